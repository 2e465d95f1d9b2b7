"""The load-script language: scanning, expansion, parsing and running scripts."""

from associa.script.interpreter import ReloadResult, run_script

__all__ = ["ReloadResult", "run_script"]
