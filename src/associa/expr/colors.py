"""Color functions (help "Color functions").

A color is a dual (help "RGB", "ARGB", "HSL": "Return data type: dual"): its number is the
32-bit ARGB code, alpha in the top byte (help "RGB": light green is 4 278 255 360 =
FF00FF00 hex, the alpha 'FF' always for RGB and HSL); its text names the components, as
the help's examples show: RGB(R,G,B) gives the text 'RGB(170,187,204)' (help "RGB",
inline example), Blue() 'RGB(0,0,128)' and Blue(128) 'ARGB(128,0,0,128)' (help "Color
functions", predefined colors), Colormix1(0.5, red(), blue()) 'ARGB(255,64,0,64)' (help
"Colormix1").

Arguments are numbers (a text that reads as one counts); NULL or a non-numeric argument
gives NULL. Components are truncated to integers; a component outside 0..255 (0..1 for
HSL and the mix positions) gives NULL: the help says only that the arguments "must be
expressions that resolve to integers in the range 0 to 255".

SysColor(nr) (help "Color functions": "the ARGB color representation of the Windows system
color nr, where nr corresponds to the parameter to the Windows API function GetSysColor(nr)")
reads the default table of the Windows Standard (classic) scheme, COLOR_SCROLLBAR (0) to
COLOR_MENUBAR (30), as Wine defines it (wine-mirror/wine, dlls/win32u/sysparams.c,
``system_colors``): the color of a live Windows session depends on its theme, which an
engine off Windows does not have. An index outside 0..30 gives NULL (GetSysColor gives 0).

ColorMapHue(x) and ColorMapJet(x) (help "Color functions": x between 0 and 1, else NULL)
give the ARGB form like the mixes. ColorMapHue: the hue of the HSV model at full saturation
and value, red at 0, through yellow, green (1/3), cyan, blue (2/3), magenta, back to red at
1. ColorMapJet: MATLAB's jet, each channel clip(1.5 - |4x - c|, 0, 1) with c = 3, 2, 1 for
red, green and blue: dark blue at 0 (0,0,128, as Blue()), blue, cyan (3/8), yellow (5/8),
red (7/8), dark red at 1 (128,0,0, as Red()). Channels are rounded to the nearest of 0..255.

QlikTechBlue() and QlikTechGray() take no argument and give RGB(8,18,90) and
RGB(158,148,137): help "Functions and statements not recommended in Qlik Sense"
(https://help.qlik.com/en-US/sense/May2022/Subsystems/Hub/Content/Sense_Hub/Scripting/functions-statements-not-recommended.htm)
says they "can be replaced by" those RGB colors "to get the same colors".

Not implemented: Color(n), "the color representation of color number n in the chart
palette shown in the chart properties" (help "Color functions",
https://help.qlik.com/en-US/qlikview/May2022/Subsystems/Client/Content/QV_QlikView/ChartFunctions/ColorFunctions/color-functions-charts.htm):
the help gives the form of the result but no palette, and no public page found gives
the RGB values of QlikView's default 18-color chart palette (Qlik Sense keeps the
function for backwards compatibility only, with no chart palette of its own to read).
"""

from __future__ import annotations

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.mathematics import _numbers
from associa.expr.vector import Vec

Array = np.ndarray


def _component(x: Array) -> tuple[Array, Array]:
    """A color component: truncated; (value, outside 0..255)."""
    t = np.trunc(np.where(np.isfinite(x), x, -1.0))
    return t, (t < 0) | (t > 255)


def _color(a: Array, r: Array, g: Array, b: Array, null: Array, argb: Array | bool) -> Vec:
    """The dual of each color: the ARGB code, and the text 'RGB(r,g,b)' or, where
    ``argb``, 'ARGB(a,r,g,b)'."""
    n = len(null)
    code = a * 2.0**24 + r * 2.0**16 + g * 2.0**8 + b
    argb_mask = np.broadcast_to(np.asarray(argb, dtype=bool), (n,))
    text = np.empty(n, dtype=object)
    for i in np.flatnonzero(~null):
        parts = f"{int(r[i])},{int(g[i])},{int(b[i])}"
        text[i] = f"ARGB({int(a[i])},{parts})" if argb_mask[i] else f"RGB({parts})"
    num = np.where(null, np.nan, code)
    return Vec(num, text, null.copy())


def _split(code: Array) -> tuple[Array, Array, Array, Array, Array]:
    """(a, r, g, b, invalid) of ARGB codes; a code must be an integer in 0 .. 2**32 - 1."""
    ok = np.isfinite(code) & (code == np.trunc(code)) & (code >= 0) & (code < 2.0**32)
    c = np.where(ok, code, 0).astype(np.uint64)
    parts = [((c >> np.uint64(s)) & np.uint64(255)).astype(np.float64) for s in (24, 16, 8, 0)]
    return parts[0], parts[1], parts[2], parts[3], ~ok


@function("RGB", 3, 3)
def rgb(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    nums, null = _numbers(ev, call, scope)
    comps = [_component(x) for x in nums]
    for _, bad in comps:
        null |= bad
    r, g, b = (c for c, _ in comps)
    return _color(np.full(scope.n, 255.0), r, g, b, null, False)


@function("ARGB", 4, 4)
def argb(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    nums, null = _numbers(ev, call, scope)
    comps = [_component(x) for x in nums]
    for _, bad in comps:
        null |= bad
    a, r, g, b = (c for c, _ in comps)
    return _color(a, r, g, b, null, True)


def _hue_to_channel(p: Array, q: Array, t: Array) -> Array:
    t = np.mod(t, 1.0)
    return np.where(t < 1 / 6, p + (q - p) * 6 * t,
                    np.where(t < 1 / 2, q,
                             np.where(t < 2 / 3, p + (q - p) * (2 / 3 - t) * 6, p)))


@function("HSL", 3, 3)
def hsl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "HSL": hue, saturation and luminosity in 0..1; HSL(80/240, 240/240, 120/240)
    is light green, RGB(0,255,0). The usual HSL to RGB conversion, each channel rounded
    to the nearest of 0..255."""
    (h, s, lum), null = _numbers(ev, call, scope)
    for x in (h, s, lum):
        null |= (x < 0) | (x > 1)
    q = np.where(lum < 0.5, lum * (1 + s), lum + s - lum * s)
    p = 2 * lum - q
    chans = [_hue_to_channel(p, q, h + off) for off in (1 / 3, 0.0, -1 / 3)]
    chans = [np.where(s == 0, lum, c) for c in chans]
    r, g, b = (np.floor(np.clip(c, 0, 1) * 255 + 0.5) for c in chans)
    return _color(np.full(scope.n, 255.0), r, g, b, null | np.isnan(r), False)


def _mix(c0: Array, c1: Array, t: Array) -> tuple[Array, Array, Array, Array, Array]:
    """Each ARGB component of c0 moved the fraction t towards c1, rounded."""
    p0, p1 = _split(c0), _split(c1)
    bad = p0[4] | p1[4]
    comps = [np.floor(x0 + (x1 - x0) * t + 0.5) for x0, x1 in zip(p0[:4], p1[:4], strict=True)]
    return comps[0], comps[1], comps[2], comps[3], bad


@function("COLORMIX1", 3, 3)
def colormix1(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "Colormix1": the color a fraction Value (0..1) of the way from ColorZero to
    ColorOne, as ARGB; Colormix1(0.5, red(), blue()) = ARGB(255,64,0,64)."""
    (value, c0, c1), null = _numbers(ev, call, scope)
    null |= (value < 0) | (value > 1)
    a, r, g, b, bad = _mix(c0, c1, np.where(null, 0.0, value))
    return _color(a, r, g, b, null | bad, True)


@function("COLORMIX2", 3, 4)
def colormix2(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "Colormix2": Value in -1..1 from ColorMinusOne to ColorOne, through the
    optional ColorZero at 0 (else the plain mix of the two), as ARGB."""
    nums, null = _numbers(ev, call, scope)
    value, cm1, c1 = nums[:3]
    null |= (value < -1) | (value > 1)
    v = np.where(null, 0.0, value)
    if len(nums) == 4:
        c0 = nums[3]
        neg = _mix(c0, cm1, -v)
        pos = _mix(c0, c1, v)
        parts = [np.where(v < 0, x, y) for x, y in zip(neg[:4], pos[:4], strict=True)]
        bad = neg[4] | pos[4]
    else:
        mixed = _mix(cm1, c1, (v + 1) / 2)
        parts, bad = list(mixed[:4]), mixed[4]
    return _color(parts[0], parts[1], parts[2], parts[3], null | bad, True)


# help "Color functions", predefined colors: (r, g, b); an optional alpha argument
# (0..255) gives the ARGB form, e.g. Blue(128) = ARGB(128,0,0,128)
_NAMED = {
    "BLACK": (0, 0, 0),
    "BLUE": (0, 0, 128),
    "BROWN": (128, 128, 0),
    "CYAN": (0, 128, 128),
    "DARKGRAY": (128, 128, 128),
    "GREEN": (0, 128, 0),
    "LIGHTBLUE": (0, 0, 255),
    "LIGHTCYAN": (0, 255, 255),
    "LIGHTGRAY": (192, 192, 192),
    "LIGHTGREEN": (0, 255, 0),
    "LIGHTMAGENTA": (255, 0, 255),
    "LIGHTRED": (255, 0, 0),
    "MAGENTA": (128, 0, 128),
    "RED": (128, 0, 0),
    "WHITE": (255, 255, 255),
    "YELLOW": (255, 255, 0),
}


def _named(rgb_value: tuple[int, int, int]):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        n = scope.n
        r, g, b = (np.full(n, float(c)) for c in rgb_value)
        if not call.args:
            return _color(np.full(n, 255.0), r, g, b, np.zeros(n, dtype=bool), False)
        (alpha,), null = _numbers(ev, call, scope)
        a, bad = _component(alpha)
        return _color(a, r, g, b, null | bad, True)

    return impl


for _name, _value in _NAMED.items():
    function(_name, 0, 1)(_named(_value))


# help "Functions and statements not recommended in Qlik Sense": QliktechBlue() is
# RGB(8, 18, 90), QliktechGray RGB(158, 148, 137) (URL in the module docstring); no
# alpha argument (the help's syntax has none)
_QLIKTECH = {"QLIKTECHBLUE": (8, 18, 90), "QLIKTECHGRAY": (158, 148, 137)}

for _name, _value in _QLIKTECH.items():
    function(_name, 0, 0)(_named(_value))


# -- system colors and color maps ---------------------------------------------------------

# GetSysColor's defaults of the Windows Standard scheme, index 0 (COLOR_SCROLLBAR) to 30
# (COLOR_MENUBAR), from Wine's table (dlls/win32u/sysparams.c, system_colors)
_SYSCOLORS = (
    (212, 208, 200), (58, 110, 165), (10, 36, 106), (128, 128, 128), (212, 208, 200),
    (255, 255, 255), (0, 0, 0), (0, 0, 0), (0, 0, 0), (255, 255, 255),
    (212, 208, 200), (212, 208, 200), (128, 128, 128), (10, 36, 106), (255, 255, 255),
    (212, 208, 200), (128, 128, 128), (128, 128, 128), (0, 0, 0), (212, 208, 200),
    (255, 255, 255), (64, 64, 64), (212, 208, 200), (0, 0, 0), (255, 255, 225),
    (181, 181, 181), (0, 0, 200), (166, 202, 240), (192, 192, 192), (10, 36, 106),
    (212, 208, 200),
)
_SYSTABLE = np.array(_SYSCOLORS, dtype=np.float64)


@function("SYSCOLOR", 1, 1)
def syscolor(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    (nr,), null = _numbers(ev, call, scope)
    ok = np.isfinite(nr) & (nr == np.trunc(nr)) & (nr >= 0) & (nr < len(_SYSCOLORS))
    null |= ~ok
    rgb_values = _SYSTABLE[np.where(null, 0, nr).astype(np.intp)]
    r, g, b = (rgb_values[:, i] for i in range(3))
    return _color(np.full(scope.n, 255.0), r, g, b, null, False)


def _channel(x: Array) -> Array:
    return np.floor(np.clip(x, 0.0, 1.0) * 255 + 0.5)


def _color_map(fn):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        (x,), null = _numbers(ev, call, scope)
        null |= ~((x >= 0) & (x <= 1))
        r, g, b = (_channel(c) for c in fn(np.where(null, 0.0, x)))
        return _color(np.full(scope.n, 255.0), r, g, b, null, True)

    return impl


def _hue(x: Array) -> tuple[Array, Array, Array]:
    h6 = x * 6
    sector = np.floor(h6)
    f = h6 - sector
    sector = np.mod(sector, 6)
    one, zero, up, down = np.ones_like(x), np.zeros_like(x), f, 1 - f
    table = [(one, up, zero), (down, one, zero), (zero, one, up),
             (zero, down, one), (up, zero, one), (one, zero, down)]
    r, g, b = (np.select([sector == i for i in range(6)], [t[c] for t in table])
               for c in range(3))
    return r, g, b


def _jet(x: Array) -> tuple[Array, Array, Array]:
    r, g, b = (1.5 - np.abs(4 * x - c) for c in (3.0, 2.0, 1.0))
    return r, g, b


function("COLORMAPHUE", 1, 1)(_color_map(_hue))
function("COLORMAPJET", 1, 1)(_color_map(_jet))
