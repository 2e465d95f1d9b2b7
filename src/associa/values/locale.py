"""Locale settings: the number/date formatting variables of a Qlik app.

A :class:`Locale` holds what the script variables ``ThousandSep``, ``DecimalSep``,
``DateFormat``, ``MonthNames`` ... say.  :data:`DEFAULT_LOCALE` is the en-US header that
Qlik Core writes into a new app (:data:`DEFAULT_SCRIPT_HEADER`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_SCRIPT_HEADER",
    "LOCALE_VARIABLES",
    "NO_SCRIPT_LOCALE",
    "Locale",
]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUM_ABBR = "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:μ;-9:n;-12:p;-15:f;-18:a;-21:z;-24:y"


@dataclass(frozen=True, slots=True)
class Locale:
    """Formatting variables of an app (immutable, hashable)."""

    thousand_sep: str
    decimal_sep: str
    money_thousand_sep: str
    money_decimal_sep: str
    money_format: str
    time_format: str
    date_format: str
    timestamp_format: str
    month_names: tuple[str, ...]
    long_month_names: tuple[str, ...]
    day_names: tuple[str, ...]
    long_day_names: tuple[str, ...]
    first_week_day: int
    broken_weeks: bool
    reference_day: int
    first_month_of_year: int
    collation_locale: str
    numerical_abbreviation: str

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Locale:
        """Build a locale from script variables; missing or bad values take the defaults."""
        return locale_from_variables(variables, DEFAULT_LOCALE)

    def with_variables(self, variables: Mapping[str, str]) -> Locale:
        """A copy of this locale overridden by the given script variables."""
        return locale_from_variables(variables, self)

    def to_variables(self) -> dict[str, str]:
        """The script variables (name → text) that describe this locale."""
        return {
            "ThousandSep": self.thousand_sep,
            "DecimalSep": self.decimal_sep,
            "MoneyThousandSep": self.money_thousand_sep,
            "MoneyDecimalSep": self.money_decimal_sep,
            "MoneyFormat": self.money_format,
            "TimeFormat": self.time_format,
            "DateFormat": self.date_format,
            "TimestampFormat": self.timestamp_format,
            "FirstWeekDay": str(self.first_week_day),
            "BrokenWeeks": "1" if self.broken_weeks else "0",
            "ReferenceDay": str(self.reference_day),
            "FirstMonthOfYear": str(self.first_month_of_year),
            "CollationLocale": self.collation_locale,
            "MonthNames": ";".join(self.month_names),
            "LongMonthNames": ";".join(self.long_month_names),
            "DayNames": ";".join(self.day_names),
            "LongDayNames": ";".join(self.long_day_names),
            "NumericalAbbreviation": self.numerical_abbreviation,
        }

    def to_qlocaleinfo(self) -> dict[str, Any]:
        """The QIX ``qLocaleInfo`` object (``NxAppLayout.qLocaleInfo``)."""
        return {
            "qDecimalSep": self.decimal_sep,
            "qThousandSep": self.thousand_sep,
            "qListSep": ",",
            "qMoneyDecimalSep": self.money_decimal_sep,
            "qMoneyThousandSep": self.money_thousand_sep,
            "qCurrentYear": datetime.date.today().year,
            "qMoneyFmt": self.money_format,
            "qTimeFmt": self.time_format,
            "qDateFmt": self.date_format,
            "qTimestampFmt": self.timestamp_format,
            "qCalendarStrings": {
                "qDayNames": list(self.day_names),
                "qMonthNames": list(self.month_names),
                "qLongDayNames": list(self.long_day_names),
                "qLongMonthNames": list(self.long_month_names),
            },
            "qFirstWeekDay": self.first_week_day,
            "qBrokenWeeks": self.broken_weeks,
            "qReferenceDay": self.reference_day,
            "qFirstMonthOfYear": self.first_month_of_year,
            "qCollation": self.collation_locale,
            "qNumericalAbbreviation": self.numerical_abbreviation,
        }


def _parse_int(text: str | None, default: int, lo: int, hi: int) -> int:
    """An integer variable in [lo, hi], or ``default`` when absent or bad."""
    if text is None:
        return default
    try:
        value = float(str(text).strip())
    except ValueError:
        return default
    if value != value or value != int(value) or not lo <= value <= hi:
        return default
    return int(value)


def _parse_names(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """A ';'-separated name list of the same length as ``default``, else ``default``."""
    if text is None:
        return default
    names = tuple(part.strip() for part in str(text).split(";"))
    if len(names) != len(default) or not all(names):
        return default
    return names


def _text(variables: Mapping[str, str], name: str, default: str) -> str:
    value = variables.get(name)
    return default if value is None else str(value)


def locale_from_variables(variables: Mapping[str, str], base: Locale) -> Locale:
    """``base`` overridden by whatever locale variables ``variables`` defines."""
    v = variables
    broken = _parse_int(v.get("BrokenWeeks"), 1 if base.broken_weeks else 0, -(2**31), 2**31)
    return replace(
        base,
        thousand_sep=_text(v, "ThousandSep", base.thousand_sep),
        decimal_sep=_text(v, "DecimalSep", base.decimal_sep),
        money_thousand_sep=_text(v, "MoneyThousandSep", base.money_thousand_sep),
        money_decimal_sep=_text(v, "MoneyDecimalSep", base.money_decimal_sep),
        money_format=_text(v, "MoneyFormat", base.money_format),
        time_format=_text(v, "TimeFormat", base.time_format),
        date_format=_text(v, "DateFormat", base.date_format),
        timestamp_format=_text(v, "TimestampFormat", base.timestamp_format),
        month_names=_parse_names(v.get("MonthNames"), base.month_names),
        long_month_names=_parse_names(v.get("LongMonthNames"), base.long_month_names),
        day_names=_parse_names(v.get("DayNames"), base.day_names),
        long_day_names=_parse_names(v.get("LongDayNames"), base.long_day_names),
        first_week_day=_parse_int(v.get("FirstWeekDay"), base.first_week_day, 0, 6),
        broken_weeks=broken != 0,
        reference_day=_parse_int(v.get("ReferenceDay"), base.reference_day, 0, 7),
        first_month_of_year=_parse_int(v.get("FirstMonthOfYear"), base.first_month_of_year, 1, 12),
        collation_locale=_text(v, "CollationLocale", base.collation_locale),
        numerical_abbreviation=_text(v, "NumericalAbbreviation", base.numerical_abbreviation),
    )


DEFAULT_LOCALE = Locale(
    thousand_sep=",",
    decimal_sep=".",
    money_thousand_sep=",",
    money_decimal_sep=".",
    money_format="$ ###0.00;-$ ###0.00",
    time_format="h:mm:ss TT",
    date_format="M/D/YYYY",
    timestamp_format="M/D/YYYY h:mm:ss[.fff] TT",
    month_names=_MONTHS,
    long_month_names=_LONG_MONTHS,
    day_names=_DAYS,
    long_day_names=_LONG_DAYS,
    first_week_day=6,
    broken_weeks=True,
    reference_day=0,
    first_month_of_year=1,
    collation_locale="en-US",
    numerical_abbreviation=_NUM_ABBR,
)
"""en-US values that Qlik Core writes into the script of a new app."""

NO_SCRIPT_LOCALE = replace(DEFAULT_LOCALE, first_week_day=0, broken_weeks=False)
"""Locale for a script that sets no variables at all (Monday weeks, unbroken; §11.13)."""

LOCALE_VARIABLES: tuple[str, ...] = tuple(DEFAULT_LOCALE.to_variables())
"""Names of the script variables a :class:`Locale` reads."""

DEFAULT_SCRIPT_HEADER = "\r\n".join(
    [
        "///$tab Main",
        "SET ThousandSep=',';",
        "SET DecimalSep='.';",
        "SET MoneyThousandSep=',';",
        "SET MoneyDecimalSep='.';",
        "SET MoneyFormat='$ ###0.00;-$ ###0.00';",
        "SET TimeFormat='h:mm:ss TT';",
        "SET DateFormat='M/D/YYYY';",
        "SET TimestampFormat='M/D/YYYY h:mm:ss[.fff] TT';",
        "SET FirstWeekDay=6;",
        "SET BrokenWeeks=1;",
        "SET ReferenceDay=0;",
        "SET FirstMonthOfYear=1;",
        "SET CollationLocale='en-US';",
        "SET CreateSearchIndexOnReload=1;",
        f"SET MonthNames='{';'.join(_MONTHS)}';",
        f"SET LongMonthNames='{';'.join(_LONG_MONTHS)}';",
        f"SET DayNames='{';'.join(_DAYS)}';",
        f"SET LongDayNames='{';'.join(_LONG_DAYS)}';",
        f"SET NumericalAbbreviation='{_NUM_ABBR}';",
        "",
    ]
)
"""The ``SET`` header of a new app's script, CRLF line ends, as Qlik Core 12.x sends it
(corectl's raw traffic golden for ``script get``)."""
