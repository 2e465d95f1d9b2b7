"""Number, financial, trigonometric and combinatorial functions (help "Numeric functions", "Financial functions", "Exponential and logarithmic functions", "Trigonometric and hyperbolic functions")."""

from __future__ import annotations
