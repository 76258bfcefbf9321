"""`lamfactory` command line: a thin layer over library calls, one sub-command group per stage."""

from __future__ import annotations

import os

# The one place library chatter is turned down, before any of those libraries is imported. Environment
# variables, so worker processes (the dataflow's pool, a local Ray cluster) inherit them; setdefault, so a
# user who wants the chatter back sets the variable. Without them a "Loading weights" bar per model load and
# Ray's start-up warnings buried the one line that mattered.
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # huggingface_hub's bars, which transformers' "Loading weights" uses
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",  # datasets' "Saving the dataset" bars (dataflow and plans export)
    "TRANSFORMERS_VERBOSITY": "error",  # transformers' advisory warnings
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",  # "the current process just got forked" on every pool start
    "RAY_LOGGER_LEVEL": "error",  # ray.init's default logging_level (token, "Started a local Ray instance")
}


def quiet_libraries() -> None:
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


quiet_libraries()

import typer  # noqa: E402

from lamfactory.agent.cli import run_command  # noqa: E402
from lamfactory.dataflow.cli import app as dataflow_app  # noqa: E402
from lamfactory.core.app import app_names, get_app  # noqa: E402
from lamfactory.evaluate.cli import app as eval_app  # noqa: E402
from lamfactory.pipeline_cli import demo_command, pipeline_command  # noqa: E402
from lamfactory.plans.cli import app as plans_app  # noqa: E402
from lamfactory.train.cli import app as train_app  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build Large Action Models: docs -> task-plan data -> task-action data -> LAM1..4 -> eval.")
env_app = typer.Typer(add_completion=False, no_args_is_help=True)
for _name in app_names():  # each app's own environment commands: `lamfactory env writer inspect DOC`
    _app = get_app(_name)
    if _app.cli is not None:
        env_app.add_typer(_app.cli(), name=_name, help=f"Inspect and benchmark the {_app.display_name} environment.")
app.add_typer(env_app, name="env", help="Inspect and benchmark an application's environment.")
app.add_typer(plans_app, name="plans", help="Stage 1: task-plan data from documentation.")
app.add_typer(dataflow_app, name="dataflow", help="Stage 2: verified task-action data.")
app.add_typer(train_app, name="train", help="Stage 3: the four training phases and the reward model.")
app.add_typer(eval_app, name="eval", help="Offline and online evaluation, reports.")
app.command("run", help="Let a model carry out a task on your own document (works on a copy).")(run_command)
app.command("pipeline", help="Run the stages from a YAML config.")(pipeline_command)
app.command("demo", help="The whole pipeline on embedded defaults (no network, no GPU).")(demo_command)

if __name__ == "__main__":
    app()
