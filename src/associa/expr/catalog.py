"""A catalog of the functions of the registry: for each its signature in the style of
Qlik's help, its family, a one-line description and one worked example.

An example is a golden line (``expression => text | num``, the format of
``tests/golden/expr/*.txt``). Examples are evaluated in one of two ways:

* ``expr``: in the one-row scope of the golden tests (fields ``A`` = 1, ``B`` = 2,
  ``S`` = 'abc', ``Z`` = NULL, ``D`` = Dual('x', 3)), default en-US locale;
* ``load``: as the field of a LOAD over the sample file ``SAMPLE_CSV`` after
  ``SAMPLE_SCRIPT`` has run (``load_script``); the result is the value in the LOAD's last
  record. Aggregations, the inter-record, counter, table, mapping and file functions
  are shown this way.

An example whose result changes from run to run or needs what the sample lacks (the
clock, file times, QVD headers, an open app with selections) has ``result`` ``None`` and a
``note`` saying why: it is shown, not evaluated. ``tests/expr/test_catalog.py`` keeps the catalog, the registry and the
examples in step; ``python -m associa.expr.catalog`` prints ``docs/functions.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

SAMPLE_CSV = (
    "Customer,Product,Date,Units,Price,Flow\n"
    "Astrida,AA,2024-01-01,4,16,-100\n"
    "Astrida,BB,2024-04-01,10,15,30\n"
    "Betacab,AA,2024-07-01,9,9,40\n"
    "Betacab,CC,2024-10-01,5,10,50\n"
    "Canutility,DD,2025-01-01,25,25,10\n"
)
SAMPLE_PATH = "lib://Data/sales.csv"
_FORMAT = "(txt, utf8, embedded labels, delimiter is ',')"
SAMPLE_SCRIPT = (
    "Countries:\nMAPPING LOAD * INLINE [\nCode, Country\nSE, Sweden\nDK, Denmark\n];\n"
    f"Sales:\nLOAD * FROM [{SAMPLE_PATH}] {_FORMAT};\n"
)


def load_script(expression: str) -> str:
    """The script that evaluates a ``load`` example: its value is field ``Result`` of
    table ``Result`` in the last record."""
    return SAMPLE_SCRIPT + f"Result:\nLOAD {expression} as Result FROM [{SAMPLE_PATH}] {_FORMAT};\n"


@dataclass(frozen=True, slots=True)
class Entry:
    name: str  # the registry's name (upper-case)
    signature: str
    family: str
    description: str
    example: str  # an expression
    result: str | None  # "text | num", "text", "NULL"; None: shown, not evaluated
    where: str  # "expr" or "load"
    note: str = ""  # why an example is not evaluated

    @property
    def golden(self) -> str:
        """The example as a golden line (only for an evaluated example)."""
        return f"{self.example} => {self.result}"


def arity(signature: str) -> tuple[int, int | None]:
    """(required, most) arguments of a signature; most is None for a list ending in
    ``...``. ``[DISTINCT]`` and ``[TOTAL]`` are no arguments; a parameter inside brackets
    is optional."""
    inner = signature[signature.index("(") + 1 : signature.rindex(")")]
    inner = inner.replace("[DISTINCT]", "").replace("[TOTAL]", "")
    required = optional = 0
    variadic = False
    depth = 0
    started = False
    for ch in inner + ",":
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ",":
            started = False
        elif not ch.isspace() and not started:
            started = True
            if ch == ".":
                variadic = True
            elif depth:
                optional += 1
            else:
                required += 1
    return required, None if variadic else required + optional


# One line per function: NAME | signature | description | example => result.
# "## family" starts a family; "load: " before the example evaluates it in a LOAD over the
# sample; "=> ? why" marks an example that is not evaluated, and why.
_TABLE = """
## conditional
ALT | Alt(expr1 [, expr2, ...]) | The first argument that has a number; the last argument when none has. | Alt('abc', 12) => 12 | 12
CLASS | Class(expression, interval [, label [, offset]]) | Names the interval of the given width that holds the value. | Class(23, 10) => 20 <= x < 30 | 20
COALESCE | Coalesce(expr1 [, expr2, ...]) | The first argument that is not NULL. | Coalesce(Null(), 'b', 'c') => b | NaN
EMPTYISNULL | EmptyIsNull(expr) | Turns the empty string into NULL, leaves every other value alone. | IsNull(EmptyIsNull('')) => -1 | -1
IF | If(condition, then [, else]) | Chooses between two expressions by a condition; NULL when the condition fails and no else is given. | If(1 = 1, 'yes', 'no') => yes | NaN
MATCH | Match(value, expr1 [, expr2, ...]) | The 1-based position of the first expression equal to the value (case-sensitive), 0 if none. | Match('M', 'J', 'M', 'D') => 2 | 2
MIXMATCH | MixMatch(value, expr1 [, expr2, ...]) | As Match, ignoring case. | MixMatch('m', 'J', 'M', 'D') => 2 | 2
PICK | Pick(n, expr1 [, expr2, ...]) | The n-th expression of the list. | Pick(2, 'A', 'B', 4) => B | NaN
WILDMATCH | WildMatch(value, pattern1 [, pattern2, ...]) | As MixMatch, with the wildcards * and ? in the patterns. | WildMatch('Melbourne', 'J*', 'M*', 'D*') => 2 | 2
ISPARTIALRELOAD | IsPartialReload() | True (-1) while a partial reload runs, false (0) otherwise. | IsPartialReload() => 0 | 0
## logical
ISNULL | IsNull(expr) | True (-1) when the value is NULL. | IsNull(Null()) => -1 | -1
ISNUM | IsNum(expr) | True (-1) when the value can be read as a number. | IsNum(12) => -1 | -1
ISTEXT | IsText(expr) | True (-1) when the value has no number, only a text. | IsText('abc') => -1 | -1
TRUE | True() | The logical true, a dual of 'True' and -1. | True() => -1 | -1
FALSE | False() | The logical false, a dual of 'False' and 0. | False() => 0 | 0
## null
NULL | Null() | The NULL value. | IsNull(Null()) => -1 | -1
## string
CAPITALIZE | Capitalize(text) | Upper-cases the first letter of every word and lower-cases the rest. | Capitalize('hello WORLD') => Hello World | NaN
CHR | Chr(int) | The character of a Unicode code point. | Chr(65) => A | NaN
EVALUATE | Evaluate(expression_text) | Evaluates a text as an expression (load script only in Qlik). | Evaluate('5 * 8') => 40 | 40
FINDONEOF | FindOneOf(text, char_set [, count]) | The position of the count-th character of text that is one of char_set, 0 if none. | FindOneOf('my example text string', 'et%s', 3) => 12 | 12
INDEX | Index(text, substring [, count]) | The position of the count-th occurrence of a substring (from the end when count is negative), 0 if none. | Index('abcdefg', 'cd') => 3 | 3
KEEPCHAR | KeepChar(text, keep_chars) | Drops every character that is not one of keep_chars. | KeepChar('a1b2c3', '123') => 123 | NaN
LEFT | Left(text, count) | The first count characters. | Left('abcdef', 3) => abc | NaN
LEN | Len(text) | The number of characters. | Len('Peter') => 5 | 5
LEVENSHTEINDIST | LevenshteinDist(text1, text2) | The edit distance between two texts. | LevenshteinDist('Silver', 'Sliver') => 2 | 2
LOWER | Lower(text) | Lower-cases the text. | Lower('abcD') => abcd | NaN
LTRIM | LTrim(text) | Removes leading spaces. | LTrim('   abc') => abc | NaN
MID | Mid(text, start [, count]) | Part of a text from a 1-based start position, to the end or for count characters. | Mid('abcdef', 3, 2) => cd | NaN
ORD | Ord(text) | The Unicode code point of the first character. | Ord('A') => 65 | 65
PURGECHAR | PurgeChar(text, remove_chars) | Drops every character that is one of remove_chars. | PurgeChar('a1b2c3', '123') => abc | NaN
REPEAT | Repeat(text [, repeat_count]) | The text repeated repeat_count times. | Repeat('*', 4) => **** | NaN
REPLACE | Replace(text, from_str, to_str) | Replaces every occurrence of from_str with to_str. | Replace('abccde', 'cc', 'xyz') => abxyzde | NaN
RIGHT | Right(text, count) | The last count characters. | Right('abcdef', 3) => def | NaN
RTRIM | RTrim(text) | Removes trailing spaces. | RTrim('abc   ') => abc | NaN
SUBFIELD | SubField(text, delimiter [, field_no]) | The field_no-th part of a text split at a delimiter (from the end when negative); in a LOAD without field_no, one record per part. | SubField('abc;cde;efg', ';', 2) => cde | NaN
SUBSTRINGCOUNT | SubStringCount(text, sub_string) | How many times a substring occurs. | SubStringCount('abcdefgcdxyz', 'cd') => 2 | 2
TEXTBETWEEN | TextBetween(text, delimiter1, delimiter2 [, n]) | The text between the n-th occurrence of delimiter1 and the next delimiter2. | TextBetween('<abc><de>', '<', '>', 2) => de | NaN
TRIM | Trim(text) | Removes leading and trailing spaces. | Trim('  abc  ') => abc | NaN
UPPER | Upper(text) | Upper-cases the text. | Upper('abcD') => ABCD | NaN
APPLYCODEPAGE | ApplyCodepage(text, codepage) | Reads the text's bytes again in another code page. | ApplyCodepage('abc', 1253) => abc | NaN
## regular expression
COUNTREGEX | CountRegEx(text, regex) | How many matches of a regular expression the text has. | CountRegEx('a1b22c333', '[0-9]+') => 3 | 3
COUNTREGEXI | CountRegExI(text, regex) | As CountRegEx, ignoring case. | CountRegExI('aAbA', 'a') => 3 | 3
EXTRACTREGEX | ExtractRegEx(text, regex [, n]) | The n-th match of a regular expression (default the first). | ExtractRegEx('abc123 def456', '[0-9]+', 2) => 456 | NaN
EXTRACTREGEXI | ExtractRegExI(text, regex [, n]) | As ExtractRegEx, ignoring case. | ExtractRegExI('ABC123', '[a-z]+') => ABC | NaN
EXTRACTREGEXGROUP | ExtractRegExGroup(text, regex, group [, n]) | One capture group of the n-th match. | ExtractRegExGroup('abc123 def456', '([a-z]+)([0-9]+)', 1) => abc | NaN
EXTRACTREGEXGROUPI | ExtractRegExGroupI(text, regex, group [, n]) | As ExtractRegExGroup, ignoring case. | ExtractRegExGroupI('ABC123', '([a-z]+)([0-9]+)', 2) => 123 | NaN
INDEXREGEX | IndexRegEx(text, regex [, n]) | The position where the n-th match starts, 0 if none. | IndexRegEx('abc123', '[a-z][0-9]+') => 3 | 3
INDEXREGEXI | IndexRegExI(text, regex [, n]) | As IndexRegEx, ignoring case. | IndexRegExI('ABC123', '[a-z][0-9]+') => 3 | 3
MATCHREGEX | MatchRegEx(text, regex1 [, regex2, ...]) | The 1-based position of the first regular expression the whole text matches, 0 if none. | MatchRegEx('abc', '[0-9]+', '[a-z]+') => 2 | 2
MATCHREGEXI | MatchRegExI(text, regex1 [, regex2, ...]) | As MatchRegEx, ignoring case. | MatchRegExI('ABC', '[abc]+', '[123]') => 1 | 1
REPLACEREGEX | ReplaceRegEx(text, regex, replacement [, n]) | Replaces every match (or only the n-th) with a replacement. | ReplaceRegEx('abc123', '[0-9]', 'x') => abcxxx | NaN
REPLACEREGEXI | ReplaceRegExI(text, regex, replacement [, n]) | As ReplaceRegEx, ignoring case. | ReplaceRegExI('ABC123', '[a-c]', '5') => 555123 | NaN
REPLACEREGEXGROUP | ReplaceRegExGroup(text, regex, replacement, group [, n]) | Replaces one capture group of the matches. | ReplaceRegExGroup('abc123', '([a-z]+)([0-9]+)', 'x', 2) => abcx | NaN
REPLACEREGEXGROUPI | ReplaceRegExGroupI(text, regex, replacement, group [, n]) | As ReplaceRegExGroup, ignoring case. | ReplaceRegExGroupI('ABC123ABC123', '([a-z])([0-9]+)', 'x', 1) => ABx123ABx123 | NaN
SUBFIELDREGEX | SubFieldRegEx(text, regex [, field_no]) | As SubField, with a regular expression as the delimiter. | SubFieldRegEx('a1b22c', '[0-9]+', 2) => b | NaN
SUBFIELDREGEXI | SubFieldRegExI(text, regex [, field_no]) | As SubFieldRegEx, ignoring case. | SubFieldRegExI('aXbxc', 'x', 3) => c | NaN
## json
ISJSON | IsJson(json [, type]) | True (-1) when the text is valid JSON (of the given type: value, object, array, string, number, bool, null). | IsJson('{"a":1}', 'object') => -1 | -1
JSONGET | JsonGet(json, path) | The value at a JSON path. | JsonGet('{"a":{"xyz":"XYZ"},"b":[123,"abc","ABC"]}', '/b/0') => 123 | 123
JSONSET | JsonSet(json, path, value) | The JSON with the value at a path set (value given as JSON). | JsonSet('{"a":1}', '/b', '2') => {"a":1,"b":2} | NaN
## numeric
CEIL | Ceil(x [, step [, offset]]) | Rounds up to a multiple of step (default 1), shifted by offset. | Ceil(2.5) => 3 | 3
DIV | Div(dividend, divisor) | The integer part of the quotient. | Div(7, 2) => 3 | 3
EVEN | Even(integer) | True (-1) for an even integer, false (0) for an odd one, NULL for a fraction. | Even(4) => -1 | -1
FABS | Fabs(x) | The absolute value. | Fabs(-3.5) => 3.5 | 3.5
FACT | Fact(n) | The factorial of n. | Fact(5) => 120 | 120
FLOOR | Floor(x [, step [, offset]]) | Rounds down to a multiple of step (default 1), shifted by offset. | Floor(2.6) => 2 | 2
FMOD | Fmod(a, b) | The remainder of a / b, with the sign of a. | Fmod(-7, 2) => -1 | -1
FRAC | Frac(x) | The fractional part of a number. | Frac(11.43) => 0.43 | 0.43
MOD | Mod(a, b) | The remainder of integer division, never negative. | Mod(-7, 2) => 1 | 1
ODD | Odd(integer) | True (-1) for an odd integer, false (0) for an even one, NULL for a fraction. | Odd(3) => -1 | -1
ROUND | Round(x [, step [, offset]]) | Rounds to the nearest multiple of step (default 1), shifted by offset. | Round(2.5) => 3 | 3
SIGN | Sign(x) | 1, 0 or -1 by the sign of the number. | Sign(-3) => -1 | -1
BITCOUNT | BitCount(integer) | The number of 1 bits in the integer's 64-bit two's complement. | BitCount(3) => 2 | 2
COMBIN | Combin(n, k) | The number of k-element subsets of n items. | Combin(7, 3) => 35 | 35
PERMUT | Permut(n, k) | The number of ordered selections of k of n items. | Permut(7, 3) => 210 | 210
## exponential and logarithmic
EXP | Exp(x) | e raised to the power x. | Exp(1) => 2.718281828459 | 2.718281828459045
LOG | Log(x) | The natural logarithm. | Log(e()) => 1 | 1
LOG10 | Log10(x) | The base-10 logarithm. | Log10(1000) => 3 | 3
POW | Pow(x, y) | x raised to the power y. | Pow(3, 3) => 27 | 27
SQR | Sqr(x) | The square. | Sqr(3) => 9 | 9
SQRT | Sqrt(x) | The square root. | Sqrt(16) => 4 | 4
E | e() | The base of the natural logarithm. | e() => 2.718281828459 | 2.718281828459045
PI | Pi() | The number pi. | Pi() => 3.1415926535898 | 3.141592653589793
RAND | Rand() | A random number from 0 up to (not including) 1. | Rand() < 1 => -1 | -1
## trigonometric and hyperbolic
ACOS | Acos(x) | The arc cosine, in radians. | Acos(1) => 0 | 0
ASIN | Asin(x) | The arc sine, in radians. | Asin(1) => 1.5707963267949 | 1.5707963267948966
ATAN | Atan(x) | The arc tangent, in radians. | Atan(1) => 0.78539816339745 | 0.7853981633974483
ATAN2 | Atan2(y, x) | The angle of the point (x, y) from the x axis, in radians. | Atan2(1, 1) => 0.78539816339745 | 0.7853981633974483
COS | Cos(x) | The cosine of an angle in radians. | Cos(0) => 1 | 1
COSH | Cosh(x) | The hyperbolic cosine. | Cosh(0) => 1 | 1
SIN | Sin(x) | The sine of an angle in radians. | Sin(0) => 0 | 0
SINH | Sinh(x) | The hyperbolic sine. | Sinh(0) => 0 | 0
TAN | Tan(x) | The tangent of an angle in radians. | Tan(0) => 0 | 0
TANH | Tanh(x) | The hyperbolic tangent. | Tanh(0) => 0 | 0
## statistical distribution
BETADENSITY | BetaDensity(value, alpha, beta) | The density of the beta distribution. | BetaDensity(0.5, 2, 3) => 1.5 | 1.5
BETADIST | BetaDist(value, alpha, beta) | The cumulative beta distribution. | BetaDist(0.5, 2, 3) => 0.6875 | 0.6875
BETAINV | BetaInv(prob, alpha, beta) | The inverse of BetaDist. | BetaInv(0.6875, 2, 3) => 0.5 | 0.5
BINOMDIST | BinomDist(k, n, p) | The cumulative binomial distribution: at most k successes in n trials. | BinomDist(3, 10, 0.5) => 0.171875 | 0.171875
BINOMFREQUENCY | BinomFrequency(k, n, p) | The probability of exactly k successes in n trials. | BinomFrequency(3, 10, 0.5) => 0.1171875 | 0.1171875
BINOMINV | BinomInv(prob, n, p) | The smallest k with BinomDist(k, n, p) >= prob. | BinomInv(0.5, 10, 0.5) => 5 | 5
CHIDENSITY | ChiDensity(value, degrees_freedom) | The density of the chi-squared distribution. | ChiDensity(2, 3) => 0.2075537487103 | 0.20755374871029733
CHIDIST | ChiDist(value, degrees_freedom) | The one-tailed probability of the chi-squared distribution. | ChiDist(8, 15) => 0.92378270331547 | 0.9237827033154676
CHIINV | ChiInv(prob, degrees_freedom) | The inverse of ChiDist. | ChiInv(0.9237827033154676, 15) => 8 | 8
FDENSITY | FDensity(value, df1, df2) | The density of the F distribution. | FDensity(1, 2, 3) => 0.27885480092693 | 0.27885480092693476
FDIST | FDist(value, df1, df2) | The upper-tail probability of the F distribution. | FDist(15, 2, 3) => 0.027410122234342 | 0.027410122234342207
FINV | FInv(prob, df1, df2) | The inverse of FDist. | FInv(0.027410122234342207, 2, 3) => 15 | 15
GAMMADIST | GammaDist(value, k, theta) | The cumulative gamma distribution. | GammaDist(2, 3, 2) => 0.080301397071394 | 0.0803013970713941
GAMMAINV | GammaInv(prob, k, theta) | The inverse of GammaDist. | GammaInv(0.5, 1, 1) => 0.69314718055994 | 0.6931471805599445
NORMDIST | NormDist(value [, mean [, standard_dev [, cumulative]]]) | The normal distribution: cumulative (default) or density. | NormDist(0.5, 0, 1) => 0.69146246127401 | 0.6914624612740131
NORMINV | NormInv(prob [, mean [, standard_dev]]) | The inverse of the cumulative normal distribution. | NormInv(0.5, 0, 1) => 0 | 0
POISSONDIST | PoissonDist(k, mean) | The cumulative Poisson distribution. | PoissonDist(2, 3) => 0.42319008112684 | 0.4231900811268442
POISSONFREQUENCY | PoissonFrequency(k, mean) | The probability of exactly k events. | PoissonFrequency(2, 3) => 0.22404180765539 | 0.22404180765538775
POISSONINV | PoissonInv(prob, mean) | The smallest k with PoissonDist(k, mean) >= prob. | PoissonInv(0.5, 3) => 3 | 3
TDENSITY | TDensity(value, degrees_freedom) | The density of Student's t distribution. | TDensity(0, 1) => 0.31830988618379 | 0.3183098861837906
TDIST | TDist(value, degrees_freedom, tails) | The tail probability of Student's t distribution (1 or 2 tails). | TDist(1, 30, 2) => 0.32530861542603 | 0.3253086154260264
TINV | TInv(prob, degrees_freedom) | The two-tailed inverse of TDist. | TInv(0.3253086154260264, 30) => 1 | 1
## financial
BLACKANDSCHOLE | BlackAndSchole(strike, time_left, underlying_price, vol, risk_free_rate, type) | The Black-Scholes value of a European option (type says call or put). | BlackAndSchole(130, 4, 68.5, 0.4, 0.04, 0) => 53.523789091156 | 53.52378909115646
FV | FV(rate, nper, pmt [, pv [, type]]) | The future value of an investment of periodic payments. | FV(0.005, 36, -20) => $ 786.72 | 786.7220992936773
NPER | nPer(rate, pmt, pv [, fv [, type]]) | The number of periods an annuity takes. | nPer(0, -100, 1000) => 10 | 10
PMT | Pmt(rate, nper, pv [, fv [, type]]) | The periodic payment that pays off a loan. | Pmt(0.1/12, 4, 20000) => -$ 5104.60 | -5104.598887545975
PV | PV(rate, nper, pmt [, fv [, type]]) | The present value of a series of periodic payments. | PV(0.0025, 12, -100) => $ 1180.73 | 1180.725384129914
RATE | Rate(nper, pmt, pv [, fv [, type]]) | The interest rate per period of an annuity. | Rate(12, -100, 1000) => 2.92% | 0.02922854076913337
## color
ARGB | ARGB(alpha, r, g, b) | A color from an opacity and red, green and blue components (0 to 255). | ARGB(128,0,0,128) => ARGB(128,0,0,128) | 2147483776
BLACK | Black([alpha]) | The color black, optionally with an opacity. | Black() => RGB(0,0,0) | 4278190080
BLUE | Blue([alpha]) | The color blue, RGB(0,0,128). | Blue() => RGB(0,0,128) | 4278190208
BROWN | Brown([alpha]) | The color brown, RGB(128,128,0). | Brown() => RGB(128,128,0) | 4286611456
COLORMAPHUE | ColorMapHue(x) | The color at x (0 to 1) on the hue circle of the HSV model: red, yellow, green (1/3), cyan, blue (2/3), magenta, red. | ColorMapHue(1/3) => ARGB(255,0,255,0) | 4278255360
COLORMAPJET | ColorMapJet(x) | The color at x (0 to 1) on the Jet color map: dark blue, blue, cyan, yellow, red, dark red. | ColorMapJet(0.5) => ARGB(255,128,255,128) | 4286644096
COLORMIX1 | Colormix1(value, color_zero, color_one) | The color at value (0 to 1) on a gradient between two colors. | Colormix1(0.5, red(), blue()) => ARGB(255,64,0,64) | 4282384448
COLORMIX2 | Colormix2(value, color_minus_one, color_one [, color_zero]) | The color at value (-1 to 1) on a gradient between two (or through three) colors. | Colormix2(1, red(), blue()) => ARGB(255,0,0,128) | 4278190208
CYAN | Cyan([alpha]) | The color cyan, RGB(0,128,128). | Cyan() => RGB(0,128,128) | 4278222976
DARKGRAY | DarkGray([alpha]) | The color dark gray, RGB(128,128,128). | DarkGray() => RGB(128,128,128) | 4286611584
GREEN | Green([alpha]) | The color green, RGB(0,128,0). | Green() => RGB(0,128,0) | 4278222848
HSL | HSL(hue, saturation, luminosity) | A color from hue, saturation and luminosity (each 0 to 1). | HSL(80/240, 240/240, 120/240) => RGB(0,255,0) | 4278255360
LIGHTBLUE | LightBlue([alpha]) | The color light blue, RGB(0,0,255). | LightBlue() => RGB(0,0,255) | 4278190335
LIGHTCYAN | LightCyan([alpha]) | The color light cyan, RGB(0,255,255). | LightCyan() => RGB(0,255,255) | 4278255615
LIGHTGRAY | LightGray([alpha]) | The color light gray, RGB(192,192,192). | LightGray() => RGB(192,192,192) | 4290822336
LIGHTGREEN | LightGreen([alpha]) | The color light green, RGB(0,255,0). | LightGreen() => RGB(0,255,0) | 4278255360
LIGHTMAGENTA | LightMagenta([alpha]) | The color light magenta, RGB(255,0,255). | LightMagenta() => RGB(255,0,255) | 4294902015
LIGHTRED | LightRed([alpha]) | The color light red, RGB(255,0,0). | LightRed() => RGB(255,0,0) | 4294901760
MAGENTA | Magenta([alpha]) | The color magenta, RGB(128,0,128). | Magenta() => RGB(128,0,128) | 4286578816
QLIKTECHBLUE | QlikTechBlue() | The legacy QlikTech blue, RGB(8,18,90) (not recommended: use RGB). | QlikTechBlue() => RGB(8,18,90) | 4278719066
QLIKTECHGRAY | QlikTechGray() | The legacy QlikTech gray, RGB(158,148,137) (not recommended: use RGB). | QlikTechGray() => RGB(158,148,137) | 4288582793
RED | Red([alpha]) | The color red, RGB(128,0,0). | Red() => RGB(128,0,0) | 4286578688
RGB | RGB(r, g, b) | A color from red, green and blue components (0 to 255). | RGB(0,255,0) => RGB(0,255,0) | 4278255360
SYSCOLOR | SysColor(nr) | The Windows system color nr (GetSysColor's index 0 to 30), from the default Windows Standard scheme. | SysColor(5) => RGB(255,255,255) | 4294967295
WHITE | White([alpha]) | The color white, RGB(255,255,255). | White() => RGB(255,255,255) | 4294967295
YELLOW | Yellow([alpha]) | The color yellow, RGB(255,255,0). | Yellow() => RGB(255,255,0) | 4294967040
## formatting
DATE | Date(number [, format]) | Shows a number as a date, in the given or the default date format. | Date(35648) => 8/6/1997 | 35648
DUAL | Dual(text, number) | A value with a given text and a given number. | Dual('Q1', 1) => Q1 | 1
MONEY | Money(number [, format [, dec_sep [, thou_sep]]]) | Shows a number as money, in the given or the default money format. | Money(1234.567) => $ 1234.57 | 1234.567
NUM | Num(number [, format [, dec_sep [, thou_sep]]]) | Shows a number in a number format. | Num(3.14159, '0.00') => 3.14 | 3.14159
TIME | Time(number [, format]) | Shows a number as a time of day. | Time(0.5) => 12:00:00 PM | 0.5
TIMESTAMP | Timestamp(number [, format]) | Shows a number as a timestamp. | Timestamp(35648.375) => 8/6/1997 9:00:00 AM | 35648.375
INTERVAL | Interval(number [, format]) | Shows a number of days as a duration. | Interval(1.375, 'D hh:mm') => 1 09:00 | 1.375
## interpretation
DATE# | Date#(text [, format]) | Reads a date from a text in the given or the default date format. | Date#('2024-03-15', 'YYYY-MM-DD') => 2024-03-15 | 45366
INTERVAL# | Interval#(text [, format]) | Reads a duration from a text. | Interval#('09:00:00', 'hh:mm:ss') => 09:00:00 | 0.375
MONEY# | Money#(text [, format [, dec_sep [, thou_sep]]]) | Reads a number from a money text. | Money#('$1,234.50', '$#,##0.00') => $1,234.50 | 1234.5
NUM# | Num#(text [, format [, dec_sep [, thou_sep]]]) | Reads a number from a text in a number format. | Num#('1,234.5', '#,##0.0') => 1,234.5 | 1234.5
TEXT | Text(expr) | The text of a value, without its number. | Text(D) => x | NaN
TIME# | Time#(text [, format]) | Reads a time of day from a text. | Time#('18:30', 'hh:mm') => 18:30 | 0.7708333333333334
TIMESTAMP# | Timestamp#(text [, format]) | Reads a timestamp from a text. | Timestamp#('2024-03-15 06:00', 'YYYY-MM-DD hh:mm') => 2024-03-15 06:00 | 45366.25
## date and time
ADDMONTHS | AddMonths(start_date, n [, mode]) | The date n months later (mode 1: counted from the month's end). | AddMonths('01/31/2003', 1) => 2/28/2003 | 37680
ADDYEARS | AddYears(start_date, n) | The date n years later. | AddYears('01/29/2010', 3) => 1/29/2013 | 41303
AGE | Age(timestamp, date_of_birth) | The age in whole years at the timestamp. | Age('02/29/2012', '10/12/1971') => 40 | 40
CONVERTTOLOCALTIME | ConvertToLocalTime(timestamp [, place [, ignore_dst]]) | Converts a UTC timestamp to the local time of a place or time zone. | ConvertToLocalTime('2007-11-10 23:59:00', 'Paris') => 11/11/2007 12:59:00 AM | 39397.04097222222
DAY | Day(date) | The day of the month. | Day('10/12/1971') => 12 | 12
DAYEND | DayEnd(time [, period_no [, day_start]]) | The last millisecond of the day. | DayEnd('01/25/2013 4:45:00 PM') => 1/25/2013 11:59:59 PM | 41299.999999988424
DAYNAME | DayName(time [, period_no [, day_start]]) | The start of the day, shown as a date. | DayName('01/25/2013 4:45:00 PM') => 1/25/2013 | 41299
DAYNUMBEROFQUARTER | DayNumberOfQuarter(date [, first_month_of_year]) | The day's number within its quarter. | DayNumberOfQuarter('12/09/2014') => 70 | 70
DAYNUMBEROFYEAR | DayNumberOfYear(date [, first_month_of_year]) | The day's number within its year. | DayNumberOfYear('12/09/2014') => 343 | 343
DAYSTART | DayStart(time [, period_no [, day_start]]) | The first millisecond of the day. | DayStart('01/25/2013 4:45:00 PM') => 1/25/2013 12:00:00 AM | 41299
FIRSTWORKDATE | FirstWorkDate(end_date, no_of_workdays [, holiday, ...]) | The latest start date that fits the working days before an end date. | FirstWorkDate('12/29/2014', 9) => 12/17/2014 | 41990
GMT | GMT() | The current Greenwich Mean Time. | GMT() => ? reads the clock
HOUR | Hour(time) | The hour of a time. | Hour('09:14:36') => 9 | 9
INDAY | InDay(timestamp, base_timestamp, period_no [, day_start]) | True (-1) when the timestamp lies in the day of the base timestamp (shifted by period_no days). | InDay('01/12/2006 12:23:00 PM', '01/12/2006 12:00:00 AM', 0) => -1 | -1
INDAYTODATE | InDayToDate(timestamp, base_timestamp, period_no [, day_start]) | As InDay, up to the base timestamp only. | InDayToDate('01/12/2006 12:23:00 PM', '01/12/2006 11:00:00 PM', 0) => -1 | -1
INLUNARWEEK | InLunarWeek(timestamp, base_date, period_no [, first_week_day]) | True (-1) when the date lies in the lunar week (7-day block from January 1) of the base date. | InLunarWeek('01/12/2013', '01/14/2013', 0) => -1 | -1
INLUNARWEEKTODATE | InLunarWeekToDate(timestamp, base_date, period_no [, first_week_day]) | As InLunarWeek, up to the base date only. | InLunarWeekToDate('01/12/2013', '01/13/2013', 0) => -1 | -1
INMONTH | InMonth(timestamp, base_date, period_no [, first_month_of_year]) | True (-1) when the date lies in the month of the base date. | InMonth('01/25/2013', '01/01/2013', 0) => -1 | -1
INMONTHS | InMonths(n_months, timestamp, base_date, period_no [, first_month_of_year]) | True (-1) when the date lies in the n-month period of the base date. | InMonths(4, '01/25/2013', '04/25/2013', 0) => -1 | -1
INMONTHSTODATE | InMonthsToDate(n_months, timestamp, base_date, period_no [, first_month_of_year]) | As InMonths, up to the base date only. | InMonthsToDate(4, '01/25/2013', '04/25/2013', 0) => -1 | -1
INMONTHTODATE | InMonthToDate(timestamp, base_date, period_no [, first_month_of_year]) | As InMonth, up to the base date only. | InMonthToDate('01/25/2013', '01/25/2013', 0) => -1 | -1
INQUARTER | InQuarter(timestamp, base_date, period_no [, first_month_of_year]) | True (-1) when the date lies in the quarter of the base date. | InQuarter('01/25/2013', '03/25/2013', 0) => -1 | -1
INQUARTERTODATE | InQuarterToDate(timestamp, base_date, period_no [, first_month_of_year]) | As InQuarter, up to the base date only. | InQuarterToDate('01/25/2013', '03/25/2013', 0) => -1 | -1
INWEEK | InWeek(timestamp, base_date, period_no [, first_week_day]) | True (-1) when the date lies in the week of the base date. | InWeek('01/12/2006', '01/14/2006', 0) => -1 | -1
INWEEKTODATE | InWeekToDate(timestamp, base_date, period_no [, first_week_day]) | As InWeek, up to the base date only. | InWeekToDate('01/12/2006', '01/12/2006', 0) => -1 | -1
INYEAR | InYear(timestamp, base_date, period_no [, first_month_of_year]) | True (-1) when the date lies in the year of the base date. | InYear('01/25/2013', '01/01/2013', 0) => -1 | -1
INYEARTODATE | InYearToDate(timestamp, base_date, period_no [, first_month_of_year]) | As InYear, up to the base date only. | InYearToDate('2013-01-25', '2013-04-01', 0) => -1 | -1
LASTWORKDATE | LastWorkDate(start_date, no_of_workdays [, holiday, ...]) | The earliest end date that fits the working days from a start date. | LastWorkDate('12/19/2014', 9) => 12/31/2014 | 42004
LOCALTIME | LocalTime([timezone [, ignore_dst]]) | The current time in a time zone. | LocalTime('GMT+02:00') => ? reads the clock
LUNARWEEKEND | LunarWeekEnd(date [, period_no [, first_week_day]]) | The last millisecond of the lunar week. | LunarWeekEnd('01/12/2013') => 1/14/2013 | 41288.999999988424
LUNARWEEKNAME | LunarWeekName(date [, period_no [, first_week_day]]) | The year and number of the lunar week. | LunarWeekName('01/12/2013') => 2013/02 | 41282
LUNARWEEKSTART | LunarWeekStart(date [, period_no [, first_week_day]]) | The first millisecond of the lunar week. | LunarWeekStart('01/12/2013') => 1/8/2013 | 41282
MAKEDATE | MakeDate(YYYY [, MM [, DD]]) | The date of a year, month and day. | MakeDate(2012, 12, 31) => 12/31/2012 | 41274
MAKETIME | MakeTime(hh [, mm [, ss]]) | The time of an hour, minute and second. | MakeTime(22, 17) => 10:17:00 PM | 0.9284722222222222
MAKEWEEKDATE | MakeWeekDate(weekyear [, week [, weekday [, first_week_day [, broken_weeks [, reference_day]]]]]) | The date of a week year, week and weekday. | MakeWeekDate(2014, 6, 6) => 2/8/2014 | 41678
MINUTE | Minute(time) | The minute of a time. | Minute('09:14:36') => 14 | 14
MONTH | Month(date) | The month, a dual of its name and number. | Month('10/12/1971') => Oct | 10
MONTHEND | MonthEnd(date [, period_no]) | The last millisecond of the month. | MonthEnd('02/19/2012') => 2/29/2012 | 40968.999999988424
MONTHNAME | MonthName(date [, period_no]) | The month and year, numbered as the month's start. | MonthName('10/19/2001') => Oct 2001 | 37165
MONTHSEND | MonthsEnd(n_months, date [, period_no [, first_month_of_year]]) | The end of the n-month period of the date. | MonthsEnd(4, '07/19/2013') => 8/31/2013 | 41517.999999988424
MONTHSNAME | MonthsName(n_months, date [, period_no [, first_month_of_year]]) | The months and year of the n-month period. | MonthsName(4, '10/19/2013') => Sep-Dec 2013 | 41518
MONTHSSTART | MonthsStart(n_months, date [, period_no [, first_month_of_year]]) | The start of the n-month period of the date. | MonthsStart(4, '10/19/2013') => 9/1/2013 | 41518
MONTHSTART | MonthStart(date [, period_no]) | The first millisecond of the month. | MonthStart('10/19/2001') => 10/1/2001 | 37165
NETWORKDAYS | NetWorkDays(start_date, end_date [, holiday, ...]) | The number of working days (Monday to Friday, less holidays) between two dates. | NetWorkDays('12/19/2013', '01/07/2014') => 14 | 14
NOW | Now([timer_mode]) | The current timestamp. | Now() => ? reads the clock
QUARTER | Quarter(date) | The quarter of the year (1 to 4). | Quarter('10/19/2001') => 4 | 4
QUARTEREND | QuarterEnd(date [, period_no [, first_month_of_year]]) | The last millisecond of the quarter. | QuarterEnd('10/29/2005') => 12/31/2005 | 38717.999999988424
QUARTERNAME | QuarterName(date [, period_no [, first_month_of_year]]) | The months and year of the quarter. | QuarterName('10/29/2013') => Oct-Dec 2013 | 41548
QUARTERSTART | QuarterStart(date [, period_no [, first_month_of_year]]) | The first millisecond of the quarter. | QuarterStart('10/29/2005') => 10/1/2005 | 38626
SECOND | Second(time) | The second of a time. | Second('09:14:36') => 36 | 36
SETDATEYEAR | SetDateYear(timestamp, year) | The same date in another year. | SetDateYear('10/29/2005', 2013) => 10/29/2013 | 41576
SETDATEYEARMONTH | SetDateYearMonth(timestamp, year, month) | The same day of the month in another year and month. | SetDateYearMonth('10/29/2005', 2013, 3) => 3/29/2013 | 41362
TIMEZONE | TimeZone() | The name of the local time zone. | TimeZone() => ? depends on the machine
TODAY | Today([timer_mode]) | The current date. | Today() => ? reads the clock
UTC | UTC() | The current Coordinated Universal Time. | UTC() => ? reads the clock
WEEK | Week(timestamp [, first_week_day [, broken_weeks [, reference_day]]]) | The week number. | Week(35648) => 32 | 32
WEEKDAY | WeekDay(date [, first_week_day]) | The day of the week, a dual of its name and number (0 = Monday by default). | WeekDay('10/12/1971') => Tue | 2
WEEKEND | WeekEnd(timestamp [, period_no [, first_week_day]]) | The last millisecond of the week. | WeekEnd('01/12/2013') => 1/12/2013 | 41286.999999988424
WEEKNAME | WeekName(date [, period_no [, first_week_day [, broken_weeks [, reference_day]]]]) | The year and week number. | WeekName('01/12/2013') => 2013/02 | 41280
WEEKSTART | WeekStart(timestamp [, period_no [, first_week_day]]) | The first millisecond of the week. | WeekStart('01/12/2013') => 1/6/2013 | 41280
WEEKYEAR | WeekYear(date [, first_week_day [, broken_weeks [, reference_day]]]) | The year its week number belongs to. | WeekYear('2021-01-01') => 2021 | 2021
YEAR | Year(date) | The year. | Year('10/19/2001') => 2001 | 2001
YEAREND | YearEnd(date [, period_no [, first_month_of_year]]) | The last millisecond of the year. | YearEnd('10/19/2001') => 12/31/2001 | 37256.999999988424
YEARNAME | YearName(date [, period_no [, first_month_of_year]]) | The year (as 'YYYY' or 'YYYY-YYYY' for a shifted year). | YearName('10/19/2001') => 2001 | 36892
YEARSTART | YearStart(date [, period_no [, first_month_of_year]]) | The first millisecond of the year. | YearStart('10/19/2001') => 1/1/2001 | 36892
YEARTODATE | YearToDate(timestamp [, year_offset [, first_month_of_year [, today_date]]]) | True (-1) when the date lies in its year up to today's date. | YearToDate('11/18/2009', 0, 1, '11/18/2009') => -1 | -1
## range
RANGEAVG | RangeAvg(first_expr [, expr, ...]) | The average of the numbers among the arguments. | RangeAvg(1, 2, 4) => 2.3333333333333 | 2.3333333333333335
RANGECORREL | RangeCorrel(x1, y1 [, x2, y2, ...]) | The correlation coefficient of pairs of numbers. | RangeCorrel(2, 3, 6, 8, 9, 4, 8, 5) => 0.24922239313961 | 0.24922239313961342
RANGECOUNT | RangeCount(first_expr [, expr, ...]) | How many arguments are not NULL. | RangeCount(1, 2, 4) => 3 | 3
RANGEFRACTILE | RangeFractile(fraction, first_expr [, expr, ...]) | The fractile (inclusive interpolation) of the numbers. | RangeFractile(0.5, 1, 2, 3, 4, 6) => 3 | 3
RANGEFRACTILEEXC | RangeFractileExc(fraction, first_expr [, expr, ...]) | The fractile (exclusive interpolation) of the numbers. | RangeFractileExc(0.5, 1, 2, 3, 4, 6) => 3 | 3
RANGEIRR | RangeIRR(value [, value, ...]) | The internal rate of return of cash flows. | RangeIRR(-70000, 12000, 15000, 18000, 21000, 26000) => 0.086630948036532 | 0.08663094803653162
RANGEKURTOSIS | RangeKurtosis(first_expr [, expr, ...]) | The kurtosis of the numbers. | RangeKurtosis(1, 2, 4, 7) => -0.28571428571429 | -0.2857142857142865
RANGEMAX | RangeMax(first_expr [, expr, ...]) | The largest number. | RangeMax(1, 2, 4) => 4 | 4
RANGEMAXSTRING | RangeMaxString(first_expr [, expr, ...]) | The last value in text sort order. | RangeMaxString('xyz', 'abc') => xyz | NaN
RANGEMIN | RangeMin(first_expr [, expr, ...]) | The smallest number. | RangeMin(1, 2, 4) => 1 | 1
RANGEMINSTRING | RangeMinString(first_expr [, expr, ...]) | The first value in text sort order. | RangeMinString('xyz', 'abc') => abc | NaN
RANGEMISSINGCOUNT | RangeMissingCount(first_expr [, expr, ...]) | How many arguments are not numbers (texts or NULL). | RangeMissingCount(1, 'xyz', Null()) => 2 | 2
RANGEMODE | RangeMode(first_expr [, expr, ...]) | The most frequent value, NULL on a tie. | RangeMode(1, 2, 9, 2, 4) => 2 | 2
RANGENPV | RangeNPV(discount_rate, value [, value, ...]) | The net present value of cash flows at the end of each period. | RangeNPV(0.1, -10000, 3000, 4200, 6800) => 1188.4434123352 | 1188.4434123352207
RANGENULLCOUNT | RangeNullCount(first_expr [, expr, ...]) | How many arguments are NULL. | RangeNullCount(1, Null(), 'x') => 1 | 1
RANGENUMERICCOUNT | RangeNumericCount(first_expr [, expr, ...]) | How many arguments are numbers. | RangeNumericCount(1, 'xyz', Null()) => 1 | 1
RANGEONLY | RangeOnly(first_expr [, expr, ...]) | The one value when all the arguments agree, NULL otherwise. | RangeOnly(Null(), 'xyz') => xyz | NaN
RANGESKEW | RangeSkew(first_expr [, expr, ...]) | The skewness of the numbers. | RangeSkew(3, 8, 1, -2, 7, 7) => -0.590625 | -0.590625
RANGESTDEV | RangeStdev(first_expr [, expr, ...]) | The sample standard deviation of the numbers. | RangeStdev(1, 2, 4, 7) => 2.6457513110646 | 2.6457513110645907
RANGESUM | RangeSum(first_expr [, expr, ...]) | The sum of the numbers; texts and NULL count as 0. | RangeSum(1, 'xyz', 3) => 4 | 4
RANGETEXTCOUNT | RangeTextCount(first_expr [, expr, ...]) | How many arguments are texts. | RangeTextCount(1, 'xyz', Null()) => 1 | 1
RANGEXIRR | RangeXIRR(value, date [, value, date, ...]) | The internal rate of return of dated cash flows. | RangeXIRR(-2500, '2008-01-01', 2750, '2008-09-01') => 0.15323917190945 | 0.15323917190945005
RANGEXNPV | RangeXNPV(discount_rate, value, date [, value, date, ...]) | The net present value of dated cash flows. | RangeXNPV(0.1, -2500, '2008-01-01', 2750, '2008-09-01') => 80.25107293225 | 80.25107293225028
## aggregation
AGGR | Aggr([DISTINCT] expr, dim [, dim2, ...]) | Nested aggregation: the expression once per combination of the dimensions' values, a virtual table for the aggregation around it (NODISTINCT repeats a value for every record; a set expression before the expression applies to its aggregations; a dimension may be (Field, (Sort-type[, Ordering])), nested as (Field, (Field2, (Sort-type, Ordering))) to order Field by Field2). | Sum(Aggr(Sum(Units), Customer)) => ? a chart function: needs a chart's records
AVG | Avg([DISTINCT] expr) | The average of the numbers. | load: Avg(Units) => 10.6 | 10.6
CONCAT | Concat([DISTINCT] text [, delimiter [, sort_weight]]) | The texts joined with a delimiter, in the order of the sort weights. | load: Concat(Product, '-', Units) => AA-CC-AA-BB-DD | NaN
COUNT | Count([DISTINCT] expr) | How many values are not NULL. | load: Count(DISTINCT Customer) => 3 | 3
FIRSTSORTEDVALUE | FirstSortedValue([DISTINCT] value, sort_weight [, rank]) | The value of the record with the smallest sort weight (NULL on a tie). | load: FirstSortedValue(Product, -Units) => DD | NaN
FRACTILE | Fractile([DISTINCT] expr, fraction) | The fractile (inclusive interpolation) of the numbers. | load: Fractile(Units, 0.25) => 5 | 5
FRACTILEEXC | FractileExc([DISTINCT] expr, fraction) | The fractile (exclusive interpolation) of the numbers. | load: FractileExc(Units, 0.25) => 4.5 | 4.5
MAX | Max(expr [, rank]) | The largest number, or the rank-th largest. | load: Max(Units, 2) => 10 | 10
MAXSTRING | MaxString(expr) | The last text in sort order. | load: MaxString(Customer) => Canutility | NaN
MEDIAN | Median(expr) | The median of the numbers. | load: Median(Units) => 9 | 9
MIN | Min(expr [, rank]) | The smallest number, or the rank-th smallest. | load: Min(Units) => 4 | 4
MINSTRING | MinString(expr) | The first text in sort order. | load: MinString(Customer) => Astrida | NaN
MISSINGCOUNT | MissingCount([DISTINCT] expr) | How many values are not numbers (texts or NULL). | load: MissingCount(Product) => 5 | 5
MODE | Mode(expr) | The most frequent value, NULL on a tie. | load: Mode(Product) => AA | NaN
NULLCOUNT | NullCount([DISTINCT] expr) | How many values are NULL. | load: NullCount(If(Units > 9, Units)) => 3 | 3
NUMERICCOUNT | NumericCount([DISTINCT] expr) | How many values are numbers. | load: NumericCount(Units) => 5 | 5
ONLY | Only(expr) | The one value when every record agrees, NULL otherwise. | load: Only(If(Units > 20, Customer)) => Canutility | NaN
SUM | Sum([DISTINCT] expr) | The sum of the numbers. | load: Sum(Units * Price) => 970 | 970
TEXTCOUNT | TextCount([DISTINCT] expr) | How many values are texts. | load: TextCount(Customer) => 5 | 5
## statistical aggregation
CORREL | Correl(value1, value2) | The correlation coefficient of two series. | load: Correl(Units, Price) => 0.81415253755413 | 0.8141525375541316
KURTOSIS | Kurtosis([DISTINCT] expr) | The kurtosis of the numbers. | load: Kurtosis(Units) => 3.282595909664 | 3.282595909664046
LINEST_B | LINEST_B(y_value, x_value [, y0_const [, x0_const]]) | The intercept b of the least-squares line y = mx + b. | load: LINEST_B(Price, Units) => 8.4957924263675 | 8.495792426367462
LINEST_DF | LINEST_DF(y_value, x_value [, y0_const [, x0_const]]) | The degrees of freedom of the least-squares line. | load: LINEST_DF(Price, Units) => 3 | 3
LINEST_F | LINEST_F(y_value, x_value [, y0_const [, x0_const]]) | The F statistic of the least-squares line. | load: LINEST_F(Price, Units) => 5.8979675684004 | 5.897967568400375
LINEST_M | LINEST_M(y_value, x_value [, y0_const [, x0_const]]) | The slope m of the least-squares line y = mx + b. | load: LINEST_M(Price, Units) => 0.61360448807854 | 0.6136044880785414
LINEST_R2 | LINEST_R2(y_value, x_value [, y0_const [, x0_const]]) | The coefficient of determination of the least-squares line. | load: LINEST_R2(Price, Units) => 0.66284435440583 | 0.6628443544058318
LINEST_SEB | LINEST_SEB(y_value, x_value [, y0_const [, x0_const]]) | The standard error of the intercept. | load: LINEST_SEB(Price, Units) => 3.2884711827269 | 3.2884711827269486
LINEST_SEM | LINEST_SEM(y_value, x_value [, y0_const [, x0_const]]) | The standard error of the slope. | load: LINEST_SEM(Price, Units) => 0.25266049196671 | 0.2526604919667088
LINEST_SEY | LINEST_SEY(y_value, x_value [, y0_const [, x0_const]]) | The standard error of the y estimate. | load: LINEST_SEY(Price, Units) => 4.2668963969242 | 4.266896396924243
LINEST_SSREG | LINEST_SSREG(y_value, x_value [, y0_const [, x0_const]]) | The regression sum of squares. | load: LINEST_SSREG(Price, Units) => 107.38078541374 | 107.38078541374475
LINEST_SSRESID | LINEST_SSRESID(y_value, x_value [, y0_const [, x0_const]]) | The residual sum of squares. | load: LINEST_SSRESID(Price, Units) => 54.619214586255 | 54.61921458625526
SKEW | Skew([DISTINCT] expr) | The skewness of the numbers. | load: Skew(Units) => 1.7430376380239 | 1.7430376380238946
STDEV | Stdev([DISTINCT] expr) | The sample standard deviation of the numbers. | load: Stdev(Units) => 8.4439327330338 | 8.44393273303382
STERR | Sterr([DISTINCT] expr) | The standard error of the mean. | load: Sterr(Units) => 3.7762415176998 | 3.776241517699841
STEYX | STEYX(y_value, x_value) | The standard error of the predicted y for each x of a regression. | load: STEYX(Price, Units) => 4.2668963969242 | 4.266896396924243
## statistical test
CHI2TEST_CHI2 | Chi2Test_chi2(col, row, actual_value [, expected_value]) | The chi-squared value of the chi-squared test of the col × row matrix of actual values (against expected values, else of independence). | load: Chi2Test_chi2(Customer, Product, Units) => 85.032967032967 | 85.03296703296704
CHI2TEST_DF | Chi2Test_df(col, row, actual_value [, expected_value]) | The degrees of freedom of the chi-squared test of the col × row matrix of actual values (against expected values, else of independence). | load: Chi2Test_df(Customer, Product, Units) => 6 | 6
CHI2TEST_P | Chi2Test_p(col, row, actual_value [, expected_value]) | The significance (p value) of the chi-squared test of the col × row matrix of actual values (against expected values, else of independence). | load: Chi2Test_p(Customer, Product, Units) => 3.2496208177041e-16 | 3.249620817704058e-16
TTEST1W_CONF | TTest1w_conf(weight, value [, sig]) | One-sample t-test of weighted values: the half-width of the confidence interval (sig defaults to 0.025: 95%). | load: TTest1w_conf(Units, Price) => 1.8628533351661 | 1.8628533351661394
TTEST1W_DF | TTest1w_df(weight, value) | One-sample t-test of weighted values: the degrees of freedom. | load: TTest1w_df(Units, Price) => 52 | 52
TTEST1W_DIF | TTest1w_dif(weight, value) | One-sample t-test of weighted values: the mean difference. | load: TTest1w_dif(Units, Price) => 18.301886792453 | 18.30188679245283
TTEST1W_LOWER | TTest1w_lower(weight, value [, sig]) | One-sample t-test of weighted values: the lower end of the confidence interval. | load: TTest1w_lower(Units, Price) => 16.439033457287 | 16.43903345728669
TTEST1W_SIG | TTest1w_sig(weight, value) | One-sample t-test of weighted values: the two-tailed significance. | load: TTest1w_sig(Units, Price) => 8.6555054785056e-26 | 8.655505478505581e-26
TTEST1W_STERR | TTest1w_sterr(weight, value) | One-sample t-test of weighted values: the standard error of the mean difference. | load: TTest1w_sterr(Units, Price) => 0.92834141537373 | 0.9283414153737282
TTEST1W_T | TTest1w_t(weight, value) | One-sample t-test of weighted values: the t value. | load: TTest1w_t(Units, Price) => 19.714607674898 | 19.714607674898275
TTEST1W_UPPER | TTest1w_upper(weight, value [, sig]) | One-sample t-test of weighted values: the upper end of the confidence interval. | load: TTest1w_upper(Units, Price) => 20.164740127619 | 20.16474012761897
TTEST1_CONF | TTest1_conf(value [, sig]) | One-sample t-test (mean 0): the half-width of the confidence interval (sig defaults to 0.025: 95%). | load: TTest1_conf(Price) => 7.9019012977658 | 7.901901297765753
TTEST1_DF | TTest1_df(value) | One-sample t-test (mean 0): the degrees of freedom. | load: TTest1_df(Price) => 4 | 4
TTEST1_DIF | TTest1_dif(value) | One-sample t-test (mean 0): the mean difference. | load: TTest1_dif(Price) => 15 | 15
TTEST1_LOWER | TTest1_lower(value [, sig]) | One-sample t-test (mean 0): the lower end of the confidence interval. | load: TTest1_lower(Price) => 7.0980987022342 | 7.098098702234247
TTEST1_SIG | TTest1_sig(value) | One-sample t-test (mean 0): the two-tailed significance. | load: TTest1_sig(Price) => 0.006210192438563 | 0.0062101924385630156
TTEST1_STERR | TTest1_sterr(value) | One-sample t-test (mean 0): the standard error of the mean difference. | load: TTest1_sterr(Price) => 2.8460498941515 | 2.8460498941515415
TTEST1_T | TTest1_t(value) | One-sample t-test (mean 0): the t value. | load: TTest1_t(Price) => 5.2704627669473 | 5.270462766947299
TTEST1_UPPER | TTest1_upper(value [, sig]) | One-sample t-test (mean 0): the upper end of the confidence interval. | load: TTest1_upper(Price) => 22.901901297766 | 22.901901297765754
TTESTW_CONF | TTestw_conf(weight, grp, value [, sig [, eq_var]]) | Two-sample t-test of weighted values: the half-width of the confidence interval (sig defaults to 0.025: 95%). | load: TTestw_conf(Units, Units > 8, Price) => 3.0106662445071 | 3.0106662445070573
TTESTW_DF | TTestw_df(weight, grp, value [, eq_var]) | Two-sample t-test of weighted values: the degrees of freedom. | load: TTestw_df(Units, Units > 8, Price) => 25.631307233188 | 25.631307233188064
TTESTW_DIF | TTestw_dif(weight, grp, value [, eq_var]) | Two-sample t-test of weighted values: the mean difference. | load: TTestw_dif(Units, Units > 8, Price) => -6.7878787878788 | -6.787878787878787
TTESTW_LOWER | TTestw_lower(weight, grp, value [, sig [, eq_var]]) | Two-sample t-test of weighted values: the lower end of the confidence interval. | load: TTestw_lower(Units, Units > 8, Price) => -9.7985450323858 | -9.798545032385844
TTESTW_SIG | TTestw_sig(weight, grp, value [, eq_var]) | Two-sample t-test of weighted values: the two-tailed significance. | load: TTestw_sig(Units, Units > 8, Price) => 0.000090238069456474 | 9.023806945647398e-05
TTESTW_STERR | TTestw_sterr(weight, grp, value [, eq_var]) | Two-sample t-test of weighted values: the standard error of the mean difference. | load: TTestw_sterr(Units, Units > 8, Price) => 1.4636416891628 | 1.4636416891628399
TTESTW_T | TTestw_t(weight, grp, value [, eq_var]) | Two-sample t-test of weighted values: the t value. | load: TTestw_t(Units, Units > 8, Price) => -4.6376642850077 | -4.637664285007661
TTESTW_UPPER | TTestw_upper(weight, grp, value [, sig [, eq_var]]) | Two-sample t-test of weighted values: the upper end of the confidence interval. | load: TTestw_upper(Units, Units > 8, Price) => -3.7772125433717 | -3.77721254337173
TTEST_CONF | TTest_conf(grp, value [, sig [, eq_var]]) | Two-sample t-test: the half-width of the confidence interval (sig defaults to 0.025: 95%) (grp holds the two samples; eq_var: pooled variances). | load: TTest_conf(Units > 8, Price) => 17.730966819136 | 17.730966819136192
TTEST_DF | TTest_df(grp, value [, eq_var]) | Two-sample t-test: the degrees of freedom (grp holds the two samples; eq_var: pooled variances). | load: TTest_df(Units > 8, Price) => 2.9775699483876 | 2.9775699483875977
TTEST_DIF | TTest_dif(grp, value [, eq_var]) | Two-sample t-test: the mean difference (grp holds the two samples; eq_var: pooled variances). | load: TTest_dif(Units > 8, Price) => -3.3333333333333 | -3.333333333333332
TTEST_LOWER | TTest_lower(grp, value [, sig [, eq_var]]) | Two-sample t-test: the lower end of the confidence interval (grp holds the two samples; eq_var: pooled variances). | load: TTest_lower(Units > 8, Price) => -21.06430015247 | -21.064300152469524
TTEST_SIG | TTest_sig(grp, value [, eq_var]) | Two-sample t-test: the two-tailed significance (grp holds the two samples; eq_var: pooled variances). | load: TTest_sig(Units > 8, Price) => 0.5906019520759 | 0.5906019520758983
TTEST_STERR | TTest_sterr(grp, value [, eq_var]) | Two-sample t-test: the standard error of the mean difference (grp holds the two samples; eq_var: pooled variances). | load: TTest_sterr(Units > 8, Price) => 5.5477723256977 | 5.547772325697745
TTEST_T | TTest_t(grp, value [, eq_var]) | Two-sample t-test: the t value (grp holds the two samples; eq_var: pooled variances). | load: TTest_t(Units > 8, Price) => -0.60084176812611 | -0.6008417681261096
TTEST_UPPER | TTest_upper(grp, value [, sig [, eq_var]]) | Two-sample t-test: the upper end of the confidence interval (grp holds the two samples; eq_var: pooled variances). | load: TTest_upper(Units > 8, Price) => 14.397633485803 | 14.39763348580286
ZTESTW_CONF | ZTestw_conf(weight, value [, sigma [, sig]]) | z-test of weighted values: the half-width of the confidence interval (sig defaults to 0.025: 95%). | load: ZTestw_conf(Units, Price) => 1.8195157394894 | 1.819515739489447
ZTESTW_DIF | ZTestw_dif(weight, value [, sigma]) | z-test of weighted values: the mean difference. | load: ZTestw_dif(Units, Price) => 18.301886792453 | 18.30188679245283
ZTESTW_LOWER | ZTestw_lower(weight, value [, sigma [, sig]]) | z-test of weighted values: the lower end of the confidence interval. | load: ZTestw_lower(Units, Price) => 16.482371052963 | 16.482371052963384
ZTESTW_SIG | ZTestw_sig(weight, value [, sigma]) | z-test of weighted values: the two-tailed significance. | load: ZTestw_sig(Units, Price) => 1.6156418829306e-86 | 1.615641882930599e-86
ZTESTW_STERR | ZTestw_sterr(weight, value [, sigma]) | z-test of weighted values: the standard error of the mean difference. | load: ZTestw_sterr(Units, Price) => 0.92834141537373 | 0.9283414153737282
ZTESTW_UPPER | ZTestw_upper(weight, value [, sigma [, sig]]) | z-test of weighted values: the upper end of the confidence interval. | load: ZTestw_upper(Units, Price) => 20.121402531942 | 20.121402531942277
ZTESTW_Z | ZTestw_z(weight, value [, sigma]) | z-test of weighted values: the z value. | load: ZTestw_z(Units, Price) => 19.714607674898 | 19.714607674898275
ZTEST_CONF | ZTest_conf(value [, sigma [, sig]]) | z-test (mean 0; sigma defaults to the sample standard deviation): the half-width of the confidence interval (sig defaults to 0.025: 95%). | load: ZTest_conf(Price) => 5.5781552907411 | 5.578155290741058
ZTEST_DIF | ZTest_dif(value [, sigma]) | z-test (mean 0; sigma defaults to the sample standard deviation): the mean difference. | load: ZTest_dif(Price) => 15 | 15
ZTEST_LOWER | ZTest_lower(value [, sigma [, sig]]) | z-test (mean 0; sigma defaults to the sample standard deviation): the lower end of the confidence interval. | load: ZTest_lower(Price) => 9.4218447092589 | 9.421844709258941
ZTEST_SIG | ZTest_sig(value [, sigma]) | z-test (mean 0; sigma defaults to the sample standard deviation): the two-tailed significance. | load: ZTest_sig(Price) => 0.00000013608022911357 | 1.3608022911357287e-07
ZTEST_STERR | ZTest_sterr(value [, sigma]) | z-test (mean 0; sigma defaults to the sample standard deviation): the standard error of the mean difference. | load: ZTest_sterr(Price) => 2.8460498941515 | 2.846049894151541
ZTEST_UPPER | ZTest_upper(value [, sigma [, sig]]) | z-test (mean 0; sigma defaults to the sample standard deviation): the upper end of the confidence interval. | load: ZTest_upper(Price) => 20.578155290741 | 20.57815529074106
ZTEST_Z | ZTest_z(value [, sigma]) | z-test (mean 0; sigma defaults to the sample standard deviation): the z value. | load: ZTest_z(Price) => 5.2704627669473 | 5.2704627669473
## financial aggregation
IRR | IRR(value) | The internal rate of return of the cash flows, one per record in load order. | load: IRR(Flow) => 0.12312118981435 | 0.12312118981434562
NPV | NPV(discount_rate, value) | The net present value of the cash flows at the end of each period. | load: NPV(0.1, Flow) => 4.2967755555693 | 4.296775555569345
XIRR | XIRR(value, date) | The internal rate of return of dated cash flows. | load: XIRR(Flow, Date) => 0.59140549349848 | 0.5914054934984752
XNPV | XNPV(discount_rate, value, date) | The net present value of dated cash flows. | load: XNPV(0.1, Flow, Date) => 23.075137408052 | 23.07513740805163
## mapping
APPLYMAP | ApplyMap('map_name', expr [, default]) | The value a mapping table gives for expr; the default (else expr itself) when it has none. | load: ApplyMap('Countries', 'SE') => Sweden | NaN
MAPSUBSTRING | MapSubstring('map_name', expr) | Replaces every substring of expr that a mapping table maps. | load: MapSubstring('Countries', 'SE or DK') => Sweden or Denmark | NaN
## inter-record
EXISTS | Exists(field_name [, expr]) | True (-1) when the value is already a value of the field. | load: Exists(Customer, 'Betacab') => -1 | -1
LOOKUP | Lookup(field_name, match_field_name, match_field_value [, table_name]) | The field's value in the first record whose match field has the value. | load: Lookup('Units', 'Product', 'CC', 'Sales') => 5 | 5
PEEK | Peek(field_name [, row_no [, table_name]]) | The field's value in a record already loaded (row_no 0 is the first, -1 the last). | load: Peek('Units', 0, 'Sales') => 4 | 4
PREVIOUS | Previous(expr) | The expression evaluated on the previous input record. | load: Previous(Units) => 5 | 5
## chart inter-record
ABOVE | Above([TOTAL] expr [, offset [, count]]) | In a chart: expr on the row offset rows above in the column segment (NULL outside it); with count, a range for the range functions. | RangeSum(Above(Sum(Sales), 0, 3)) => ? chart only
AFTER | After([TOTAL] expr [, offset [, count]]) | In a pivot table: expr in the column after the current one; NULL in other charts. | After(Sum(Sales)) => ? chart only
BEFORE | Before([TOTAL] expr [, offset [, count]]) | In a pivot table: expr in the column before the current one; NULL in other charts. | Before(Sum(Sales)) => ? chart only
BELOW | Below([TOTAL] expr [, offset [, count]]) | In a chart: expr on the row offset rows below in the column segment (NULL outside it); with count, a range. | Below(Sum(Sales)) => ? chart only
BOTTOM | Bottom([TOTAL] expr [, offset [, count]]) | In a chart: expr on the last row of the column segment (offset 2: the one above it). | Bottom(Sum(Sales)) => ? chart only
COLUMN | Column(ColumnNo) | In a chart: the value of the n-th measure column in the same row (dimensions not counted). | Column(1) / Column(2) => ? chart only
COLUMNNO | ColumnNo([TOTAL]) | In a pivot table: the number of the column in its row segment; NULL in other charts. | ColumnNo() => ? chart only
DIMENSIONALITY | Dimensionality() | In a chart: the number of dimensions of the row (0 in the totals row). | Dimensionality() => ? chart only
FIRST | First([TOTAL] expr [, offset [, count]]) | In a pivot table: expr in the first column of the row segment; NULL in other charts. | First(Sum(Sales)) => ? chart only
HRANK | HRank([TOTAL] expr [, mode [, fmt]]) | In a pivot table: the rank of the column's value in its row segment; NULL in other charts. | HRank(Sum(Sales)) => ? chart only
LAST | Last([TOTAL] expr [, offset [, count]]) | In a pivot table: expr in the last column of the row segment; NULL in other charts. | Last(Sum(Sales)) => ? chart only
NOOFCOLUMNS | NoOfColumns([TOTAL]) | In a pivot table: the columns of the row segment; NULL in other charts. | NoOfColumns() => ? chart only
RANK | Rank([TOTAL] expr [, mode [, fmt]]) | In a chart: the rank of the row's value in its column segment, highest first (mode and fmt settle ties). | Rank(Sum(Sales)) => ? chart only
SECONDARYDIMENSIONALITY | SecondaryDimensionality() | In a pivot table: the horizontal dimensions of the column; 0 in other charts. | SecondaryDimensionality() => ? chart only
TOP | Top([TOTAL] expr [, offset [, count]]) | In a chart: expr on the first row of the column segment (offset 3: the third row). | Top(Sum(Sales)) => ? chart only
## chart script
HCNOCOLS | HCNoCols() | In a chart script (qDynamicScript): the number of columns of the hypercube, dimensions and measures. | HCNoCols() => ? chart script only
HCNOROWS | HCNoRows() | In a chart script (qDynamicScript): the number of rows of the hypercube as the script has made it so far. | HCNoRows() => ? chart script only
HCVALUE | HCValue(column, position) | In a chart script (qDynamicScript): the value in a row (from 1) of a column named by its label or as #hc1.measure.n / #hc1.dimension.n; NULL out of bounds. | HCValue(Sales, 1) => ? chart script only
## counter
AUTONUMBER | AutoNumber(expression [, AutoID]) | A small integer per distinct value, in order of first appearance. | load: AutoNumber(Customer) => 3 | 3
AUTONUMBERHASH128 | AutoNumberHash128(expr1 [, expr2, ...]) | A small integer per distinct combination of values (through a 128-bit hash). | load: AutoNumberHash128(Customer, Product) => 5 | 5
AUTONUMBERHASH256 | AutoNumberHash256(expr1 [, expr2, ...]) | A small integer per distinct combination of values (through a 256-bit hash). | load: AutoNumberHash256(Customer, Product) => 5 | 5
ITERNO | IterNo() | Which pass of a WHILE clause produced the record (1 without one). | load: IterNo() => 1 | 1
RECNO | RecNo() | The number of the input record, from 1. | load: RecNo() => 5 | 5
ROWNO | RowNo() | The number of the record in the table being built, from 1; in a chart (RowNo([TOTAL])) the row's number in its column segment. | load: RowNo() => 5 | 5
## hash
HASH128 | Hash128(expr1 [, expr2, ...]) | A 128-bit hash of the values, as 22 characters. | Len(Hash128('abc')) => 22 | 22
HASH160 | Hash160(expr1 [, expr2, ...]) | A 160-bit hash of the values, as 27 characters. | Len(Hash160('abc')) => 27 | 27
HASH256 | Hash256(expr1 [, expr2, ...]) | A 256-bit hash of the values, as 43 characters. | Len(Hash256('abc')) => 43 | 43
## table
FIELDINDEX | FieldIndex(field_name, value) | The position of a value among the field's values, 0 if none. | load: FieldIndex('Customer', 'Betacab') => 2 | 2
FIELDNAME | FieldName(field_number, table_name) | The name of the n-th field of a table. | load: FieldName(4, 'Sales') => Units | NaN
FIELDNUMBER | FieldNumber(field_name, table_name) | The position of a field in a table, 0 if none. | load: FieldNumber('Price', 'Sales') => 5 | 5
FIELDVALUE | FieldValue(field_name, elem_no) | The n-th value of a field, in load order. | load: FieldValue('Customer', 2) => Betacab | NaN
FIELDVALUECOUNT | FieldValueCount(field_name) | How many distinct values a field has. | load: FieldValueCount('Customer') => 3 | 3
NOOFFIELDS | NoOfFields(table_name) | How many fields a table has. | load: NoOfFields('Sales') => 6 | 6
NOOFROWS | NoOfRows([table_name]) | How many records a table has; in a chart without it (NoOfRows([TOTAL])) the rows of the column segment. | load: NoOfRows('Sales') => 5 | 5
NOOFTABLES | NoOfTables() | How many tables have been loaded. | load: NoOfTables() => 1 | 1
TABLENAME | TableName(table_number) | The name of the n-th table (from 0). | load: TableName(0) => Sales | NaN
TABLENUMBER | TableNumber(table_name) | The number of a table (from 0). | load: TableNumber('Sales') => 0 | 0
## file
FILEBASENAME | FileBaseName() | The name of the file being loaded, without path or extension. | load: FileBaseName() => sales | NaN
FILEDIR | FileDir() | The folder of the file being loaded. | load: FileDir() => lib://Data | NaN
FILEEXTENSION | FileExtension() | The extension of the file being loaded. | load: FileExtension() => csv | NaN
FILENAME | FileName() | The name of the file being loaded, without its folder. | load: FileName() => sales.csv | NaN
FILEPATH | FilePath() | The full path of the file being loaded. | load: FilePath() => lib://Data/sales.csv | NaN
FILESIZE | FileSize([filename]) | The size in bytes of a file (or of the file being loaded). | FileSize('lib://Data/sales.csv') => ? needs files
FILETIME | FileTime([filename]) | When a file (or the file being loaded) was last modified. | FileTime('lib://Data/sales.csv') => ? needs files
QVDCREATETIME | QvdCreateTime(filename) | When a QVD file was created, from its header. | QvdCreateTime('lib://Data/sales.qvd') => ? needs files
QVDFIELDNAME | QvdFieldName(filename, field_no) | The name of the n-th field of a QVD file. | QvdFieldName('lib://Data/sales.qvd', 1) => ? needs files
QVDNOOFFIELDS | QvdNoOfFields(filename) | How many fields a QVD file has. | QvdNoOfFields('lib://Data/sales.qvd') => ? needs files
QVDNOOFRECORDS | QvdNoOfRecords(filename) | How many records a QVD file has. | QvdNoOfRecords('lib://Data/sales.qvd') => ? needs files
QVDTABLENAME | QvdTableName(filename) | The name of the table stored in a QVD file. | QvdTableName('lib://Data/sales.qvd') => ? needs files
## field
GETALTERNATIVECOUNT | GetAlternativeCount(field_name) | How many values of a field are alternative (light gray). | GetAlternativeCount([First name]) => ? needs an app
GETCURRENTSELECTIONS | GetCurrentSelections([record_sep [, tag_sep [, value_sep [, max_values [, state_name]]]]]) | The current selections as text, one record per field. | GetCurrentSelections() => ? needs an app
GETEXCLUDEDCOUNT | GetExcludedCount(field_name) | How many values of a field are excluded (dark gray). | GetExcludedCount([First name]) => ? needs an app
GETFIELDSELECTIONS | GetFieldSelections(field_name [, value_sep [, max_values [, state_name]]]) | The selected values of a field as text ('NOT …', 'x of y' or 'ALL' when many). | GetFieldSelections([First name], ';', 2) => ? needs an app
GETNOTSELECTEDCOUNT | GetNotSelectedCount(field_name [, include_excluded]) | How many values of a field are not selected. | GetNotSelectedCount([Country]) => ? needs an app
GETPOSSIBLECOUNT | GetPossibleCount(field_name) | How many values of a field are possible (selected or white). | GetPossibleCount([First name]) => ? needs an app
GETSELECTEDCOUNT | GetSelectedCount(field_name [, include_excluded [, state_name]]) | How many values of a field are selected. | GetSelectedCount([First name]) => ? needs an app
## system
COMPUTERNAME | ComputerName() | The name of the computer the engine runs on. | ComputerName() => ? needs an app
DOCUMENTNAME | DocumentName() | The name of the app. | DocumentName() => ? needs an app
DOCUMENTPATH | DocumentPath() | The path of the app. | DocumentPath() => ? needs an app
DOCUMENTTITLE | DocumentTitle() | The title of the app. | DocumentTitle() => ? needs an app
ENGINEVERSION | EngineVersion() | The version of the engine. | EngineVersion() => ? needs an app
GETOBJECTDIMENSION | GetObjectDimension([index]) | The name of a dimension of the chart the expression belongs to. | GetObjectDimension(0) => ? needs an app
GETOBJECTFIELD | GetObjectField([index]) | The field of a dimension of the chart the expression belongs to. | GetObjectField(0) => ? needs an app
GETOBJECTMEASURE | GetObjectMeasure([index]) | The name of a measure of the chart the expression belongs to. | GetObjectMeasure(0) => ? needs an app
OSUSER | OSUser() | The user the engine serves. | OSUser() => ? needs an app
PRODUCTVERSION | ProductVersion() | The version of the product. | ProductVersion() => ? needs an app
QLIKVIEWVERSION | QlikViewVersion() | The version of the engine (the QlikView-style name). | QlikViewVersion() => ? needs an app
QVUSER | QVUser() | The user as Section Access names it (NULL when nobody is identified). | QVUser() => ? needs an app
RELOADTIME | ReloadTime() | When the last reload finished. | ReloadTime() => ? needs an app
STATENAME | StateName() | The alternate state of the object the expression belongs to. | StateName() => ? needs an app

"""


def _parse(table: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    family = ""
    for line in table.splitlines():
        if not line.strip():
            continue
        if line.startswith("## "):
            family = line[3:].strip()
            continue
        name, signature, description, golden = (p.strip() for p in line.split(" | ", 3))
        where = "expr"
        if golden.startswith("load: "):
            where, golden = "load", golden[len("load: ") :]
        example, _, result = golden.rpartition(" => ")
        if name in entries:
            raise ValueError(f"catalog: {name} twice")
        result = result.strip()
        note = result[1:].strip() if result.startswith("?") else ""
        entries[name] = Entry(
            name, signature, family, description, example.strip(),
            None if result.startswith("?") else result, where, note,
        )
    return entries


CATALOG: dict[str, Entry] = _parse(_TABLE)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(e.family for e in CATALOG.values()))


# -- the Markdown page ---------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{_cell(text)}`"


def _result(entry: Entry) -> str:
    if entry.result is None:
        return f"*(not evaluated: {_cell(entry.note)})*"
    if entry.result == "NULL":
        return "NULL"
    text, sep, num = entry.result.rpartition(" | ")
    if not sep:
        text, num = entry.result, ""
    out = _code(text.strip())
    num = num.strip()
    if num and num != "NaN" and num != text.strip():
        out += f" (number {num})"
    return out


def _anchor(family: str) -> str:
    return family.lower().replace(" ", "-").replace("/", "")


def markdown() -> str:
    lines = [
        "# Functions",
        "",
        "<!-- Generated by `python -m associa.expr.catalog > docs/functions.md`; "
        "do not edit by hand. -->",
        "",
        f"The {len(CATALOG)} functions of associa's expression language (chart expressions "
        "and load script), by family, each with its signature in the style of Qlik's help, "
        "what it does and one worked example. Brackets mark optional arguments.",
        "",
        "Examples marked *(load)* run as a field of a LOAD over the sample file below "
        "(after the mapping table `Countries`); the result shown is the value in the "
        "LOAD's last record. Aggregations in a LOAD without GROUP BY aggregate all the "
        "records. The other examples are plain expressions in the default en-US locale "
        "(`D` is `Dual('x', 3)`). Every example that shows a result is checked by "
        "`tests/expr/test_catalog.py`.",
        "",
        "```",
        f"// {SAMPLE_PATH}",
        SAMPLE_CSV.rstrip("\n"),
        "```",
        "",
        "```",
        SAMPLE_SCRIPT.rstrip("\n"),
        "```",
        "",
        "## Contents",
        "",
    ]
    for family in FAMILIES:
        count = sum(1 for e in CATALOG.values() if e.family == family)
        lines.append(f"- [{family.capitalize()}](#{_anchor(family)}) ({count})")
    for family in FAMILIES:
        lines += ["", f"## {family.capitalize()}", "",
                  "| Function | Signature | Description | Example | Result |",
                  "|---|---|---|---|---|"]
        for e in sorted((e for e in CATALOG.values() if e.family == family),
                        key=lambda e: e.name):
            example = _code(e.example) + (" *(load)*" if e.where == "load" else "")
            lines.append(
                f"| {e.signature[: e.signature.index('(')]} | {_code(e.signature)} "
                f"| {_cell(e.description)} | {example} | {_result(e)} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
