"""The associative data model: symbol tables, data tables, associations."""

from associa.model.model import DataModel, Field, compact, presence
from associa.model.symbols import NULL, SymbolTable
from associa.model.table import Table

__all__ = ["NULL", "DataModel", "Field", "SymbolTable", "Table", "compact", "presence"]
