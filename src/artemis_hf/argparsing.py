"""Command lines from argument dataclasses, and one way to run a command and report its errors.

The same conventions as transformers' `HfArgumentParser` (`--name` and `--name-with-dashes`, `--flag [true|false]`,
`--no_flag` for flags that default to true, `nargs="+"` for lists, `Literal` choices), built on argparse alone:
importing transformers (and torch with it) would make every `--help` take seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import traceback
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

DEBUG_FLAG = "--debug"
DEBUG_VARIABLE = "ARTEMIS_HF_DEBUG"
USAGE_ERROR_EXIT_CODE = 2
PACKAGE_DIR = Path(__file__).resolve().parent


class UsageError(ValueError):
    """A command line that cannot be parsed: an unknown command or option, a missing or invalid value."""


def string_to_bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() in ("yes", "true", "t", "y", "1"):
        return True
    if value.lower() in ("no", "false", "f", "n", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (true/false), got {value!r}")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except on `--no_flag`, whose "(default: True)" would read as the opposite."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.option_strings and action.option_strings[0] == f"--no_{action.dest}":
            return action.help
        return super()._get_help_string(action)


class DataclassArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose options are the fields of dataclasses; errors raise `UsageError` instead of exiting."""

    def __init__(self, dataclass_types: Sequence[type], **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(**kwargs)
        self.dataclass_types = list(dataclass_types)
        for dataclass_type in self.dataclass_types:
            hints = typing.get_type_hints(dataclass_type)
            for field in dataclasses.fields(dataclass_type):
                if field.init:
                    self._add_field(field, hints[field.name])

    def _add_field(self, field: dataclasses.Field, annotation) -> None:
        names = [f"--{field.name}"] + ([f"--{field.name.replace('_', '-')}"] if "_" in field.name else [])
        options = {"help": field.metadata.get("help")}
        origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
        if (
            origin in (typing.Union, types.UnionType) and type(None) in arguments
        ):  # X | None: the value, or the default None
            annotation = next(argument for argument in arguments if argument is not type(None))
            origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
        if field.default is not dataclasses.MISSING:
            options["default"] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            options["default"] = field.default_factory()
        else:
            options["required"] = True
        if origin is typing.Literal:
            options.update(choices=list(arguments), type=type(arguments[0]))
        elif annotation is bool:
            options.update(type=string_to_bool, nargs="?", const=True)
        elif origin is list:
            options.update(type=arguments[0], nargs="+")
        else:
            options["type"] = annotation
        self.add_argument(*names, **options)
        if annotation is bool and options.get("default") is True:
            help_text = f"Turn off --{field.name}" + (
                f": {options['help'][0].lower()}{options['help'][1:]}" if options["help"] else "."
            )
            self.add_argument(
                f"--no_{field.name}",
                f"--no-{field.name.replace('_', '-')}",
                action="store_false",
                dest=field.name,
                help=help_text,
            )

    def parse_args_into_dataclasses(self, args: Sequence[str] | None = None) -> tuple:
        namespace = vars(self.parse_args(args))
        instances = []
        for dataclass_type in self.dataclass_types:
            names = {field.name for field in dataclasses.fields(dataclass_type) if field.init}
            try:
                instances.append(dataclass_type(**{name: namespace[name] for name in names}))
            except (TypeError, ValueError) as error:  # a check in __post_init__: the user's values, not a bug
                raise UsageError(str(error)) from error
        return tuple(instances)

    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def debug_requested(argv: list[str]) -> bool:
    """Whether `--debug` is in argv (which it is then removed from) or `$ARTEMIS_HF_DEBUG` is set."""
    requested = DEBUG_FLAG in argv
    while DEBUG_FLAG in argv:
        argv.remove(DEBUG_FLAG)
    return requested or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0", "false")


def error_message(error: BaseException) -> str:
    """One line for the user: our own messages as they are (they name the file, row or argument); an exception
    raised inside a library, or one without a message, with its type."""
    message = " ".join(str(error).split())
    frames = traceback.extract_tb(error.__traceback__)
    raised_here = bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(PACKAGE_DIR)
    if raised_here and message and not isinstance(error, (KeyError, AssertionError)):
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def run_command(
    function: Callable,
    argument_classes: Sequence[type],
    argv: list[str],
    prog: str,
    description: str | None = None,
    debug: bool | None = None,
) -> int:
    """Parse argv into the dataclasses, call `function` with them, and turn any error into one line on stderr and exit
    code 2 (the traceback too with `--debug` or `$ARTEMIS_HF_DEBUG=1`)."""
    debug = debug_requested(argv) or bool(debug)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("accelerate").setLevel(logging.WARNING)  # one INFO line per checkpoint file otherwise
    try:
        parser = DataclassArgumentParser(argument_classes, prog=prog, description=description)
        function(*parser.parse_args_into_dataclasses(argv))
    except KeyboardInterrupt:
        print(f"{prog.split()[0]}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        report_error(error, prog.split()[0], debug)
        return USAGE_ERROR_EXIT_CODE
    return 0


def report_error(error: BaseException, program: str, debug: bool) -> None:
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    print(f"{program}: error: {error_message(error)}", file=sys.stderr)
