"""How the project's tools (simulate, check_history, torture, bench) show --help: their
description as written, and each option's default beside it where it has one."""
import argparse


class ToolHelp(argparse.RawDescriptionHelpFormatter):
    """argparse's help, with "(default: X)" added to every option that has a default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text
