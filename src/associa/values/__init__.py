"""Values: duals, locale settings, number interpretation and formatting."""

from __future__ import annotations

from associa.values.dual import Dual, dual_from_number, dual_from_text, interpret_dual
from associa.values.encoding import ColumnEncoder, EncodedColumn, encode_column
from associa.values.format import (
    auto_format,
    format_datetime,
    format_interval,
    format_number,
    format_with_attributes,
)
from associa.values.interpretation import InterpretationCache, interpret_array
from associa.values.locale import (
    DEFAULT_LOCALE,
    DEFAULT_SCRIPT_HEADER,
    LOCALE_VARIABLES,
    NO_SCRIPT_LOCALE,
    Locale,
)
from associa.values.numbers import (
    date_from_serial,
    interpret,
    parse_number,
    parse_with_format,
    serial_from_date,
)
from associa.values.rendering import default_text, default_texts, is_default_rendering

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_SCRIPT_HEADER",
    "LOCALE_VARIABLES",
    "NO_SCRIPT_LOCALE",
    "ColumnEncoder",
    "Dual",
    "EncodedColumn",
    "InterpretationCache",
    "Locale",
    "auto_format",
    "date_from_serial",
    "default_text",
    "default_texts",
    "dual_from_number",
    "dual_from_text",
    "encode_column",
    "format_datetime",
    "format_interval",
    "format_number",
    "format_with_attributes",
    "interpret",
    "interpret_array",
    "interpret_dual",
    "is_default_rendering",
    "parse_number",
    "parse_with_format",
    "serial_from_date",
]
