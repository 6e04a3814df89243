"""The `toneshootout` command line: the engine with no server, database or network."""

from __future__ import annotations

import sys

import typer

from toneshootout.cli import demo, inspect, process, render, serve, tone3000_fake, worker
from toneshootout.cli.errors import CliError, printable
from toneshootout.cli.tone3000 import login
from toneshootout.engine.errors import EngineError, RenderCancelled
from toneshootout.settings_env import ConfigurationError
from toneshootout.tone3000.errors import Tone3000Error

app = typer.Typer(
    name="toneshootout",
    help="Fair, level-matched, time-aligned shootouts of neural amp captures and cabinet IRs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("process")(process.process)
app.command("render")(render.render)
app.command("inspect")(inspect.inspect)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.command("tone3000-fake")(tone3000_fake.tone3000_fake)
app.command("login")(login.login)
app.command("logout")(login.logout)
app.add_typer(serve.db_app, name="db")


def fail(message: str, code: int = 2) -> None:
    """Print one readable error line and exit non-zero."""
    print(f"toneshootout: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def main() -> None:
    """Entry point: engine refusals become one line on stderr and a non-zero exit."""
    try:
        app()
    except RenderCancelled:
        fail("cancelled; nothing was written", 130)
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", 130)
    except CliError as err:
        fail(printable(str(err)), err.code)
    except ConfigurationError as err:  # a TONESHOOTOUT_* variable: nothing was started
        fail(printable(str(err)))
    except Tone3000Error as err:  # a refusal no command put in its own words
        fail(printable(f"TONE3000: {err}"))
    except EngineError as err:
        fail(str(err))
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        fail(f"{where}{err.strerror or err}")
