"""Synthetic Writer-like records for the training tests and benchmark (until the dataflow's real data exists).

They go through the real record types and the agent's own `build_sample` (ranking, canvas text), so token
lengths and target shapes match what the dataflow exports: TaskPlans, expert Trajectories (pass and fail)
and the StepSamples exported from them (reward +1 for steps of passing trajectories, -1 for failing ones).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from lamfactory.agent.sample import build_sample
from lamfactory.apps.writer.state import Canvas, Paragraph
from lamfactory.core.records import (AgentOutput, Control, Observation, Source, Step, StepSample,
                                TaskInstance, TaskPlan, Trajectory, Verdict)

TOOLBAR = [("Bold", "TOGGLE_BUTTON"), ("Italic", "TOGGLE_BUTTON"), ("Underline", "TOGGLE_BUTTON"),
           ("Strikethrough", "TOGGLE_BUTTON"), ("Align Left", "TOGGLE_BUTTON"), ("Align Center", "TOGGLE_BUTTON"),
           ("Align Right", "TOGGLE_BUTTON"), ("Justified", "TOGGLE_BUTTON"), ("Toggle Unordered List", "TOGGLE_BUTTON"),
           ("Toggle Ordered List", "TOGGLE_BUTTON"), ("Insert Table", "PUSH_BUTTON"), ("Insert Image", "PUSH_BUTTON"),
           ("Undo", "PUSH_BUTTON"), ("Redo", "PUSH_BUTTON"), ("Save", "PUSH_BUTTON"), ("Copy", "PUSH_BUTTON"),
           ("Paste", "PUSH_BUTTON"), ("Find & Replace", "PUSH_BUTTON"), ("Spelling", "PUSH_BUTTON"),
           ("Increase Indent", "PUSH_BUTTON"), ("Decrease Indent", "PUSH_BUTTON"), ("Superscript", "TOGGLE_BUTTON"),
           ("Subscript", "TOGGLE_BUTTON"), ("Clear Direct Formatting", "PUSH_BUTTON")]
MENUS = ["File", "Edit", "View", "Insert", "Format", "Styles", "Table", "Form", "Tools", "Window", "Help"]
COMBOS = [("Paragraph Style", ["Default Paragraph Style", "Heading 1", "Heading 2", "Title", "Quotations"]),
          ("Font Name", ["Liberation Serif", "Liberation Sans", "DejaVu Sans", "Noto Serif"]),
          ("Font Size", ["10", "11", "12", "14", "16", "18", "24"])]
WORDS = ("quarterly results budget review project timeline team meeting sales forecast annual report customer "
         "feedback product launch market share action items next steps summary introduction conclusion risk "
         "assessment revenue growth hiring plan office move training schedule").split()

STYLE_BUTTON = {"bold": "Bold", "italic": "Italic", "underlined": "Underline", "struck through": "Strikethrough"}
ALIGN_BUTTON = {"centered": "Align Center", "right-aligned": "Align Right", "left-aligned": "Align Left",
                "justified": "Justified"}
ORDINAL = ["first", "second", "third", "fourth", "fifth"]

# Several phrasings per family; the last one of each is held out for the test split (unseen wording).
PHRASINGS = {
    "format_text": ['Make "{t}" {s}', 'Format the words "{t}" as {s}', 'I want "{t}" to be {s}',
                    'Please set "{t}" in {s} type', 'Could you make the text "{t}" {s}?'],
    "align": ["Make the {o} paragraph {a}", "The {o} paragraph should be {a}", "Set the {o} paragraph to {a}",
              "Change the alignment of the {o} paragraph so it is {a}"],
    "table": ["Insert a table with {r} rows and {c} columns", "Add a {r} by {c} table",
              "Create a table of {r} rows and {c} columns", "Put a table with {c} columns and {r} rows in"],
    "style": ['Apply the {y} style to the {o} paragraph', 'Turn the {o} paragraph into a {y}',
              'Use paragraph style {y} for the {o} paragraph', 'Give the {o} paragraph the style {y}'],
    "font_size": ['Set the size of "{t}" to {z} pt', 'Make "{t}" {z} points', 'Change the font size of "{t}" to {z}',
                  'Resize "{t}" to {z} pt'],
    "bullets": ["Turn the {o} paragraph into a bulleted list", "Add bullets to the {o} paragraph",
                "Make the {o} paragraph a bullet point", "Put a bullet in front of the {o} paragraph"],
}


def _phrase(rng: random.Random, family: str, split: str, **kw) -> tuple[str, int]:
    options = PHRASINGS[family]
    i = len(options) - 1 if split == "test" else rng.randrange(len(options) - 1)
    return options[i].format(**kw), i


def _observation(rng: random.Random, paragraphs: list[str], selection: str = "") -> Observation:
    """A shuffled Writer control list (toolbar, menus, combo boxes) with per-observation labels."""
    raw = ([Control(label="", name=n, type=t, path=["Standard"]) for n, t in TOOLBAR]
           + [Control(label="", name=m, type="MENU", path=["Menu Bar"]) for m in MENUS]
           + [Control(label="", name=n, type="COMBO_BOX", items=items, path=["Formatting"]) for n, items in COMBOS])
    rng.shuffle(raw)
    controls = [c.model_copy(update={"label": str(i)}) for i, c in enumerate(raw, 1)]
    canvas = Canvas(paragraphs=[Paragraph(index=i, text=p) for i, p in enumerate(paragraphs, 1)], selection=selection)
    return Observation(controls=controls, state=canvas.model_dump(), window="Untitled 1 - LibreOffice Writer")


def _label(obs: Observation, name: str) -> str:
    return next(c.label for c in obs.controls if c.name == name)


def _expert_steps(rng: random.Random, family: str, kw: dict, paragraphs: list[str]):
    """(thought, control name or None, function, args) for each expert step."""
    if family == "format_text":
        return [(f'Select "{kw["t"]}" first.', None, "select_text", {"text": kw["t"]}),
                (f"Apply {kw['s']}.", STYLE_BUTTON[kw["s"]], "click_input", {"button": "left", "double": False})]
    if family == "align":
        n = ORDINAL.index(kw["o"]) + 1
        return [(f"Select paragraph {n}.", None, "select_paragraph", {"index": n}),
                (f"Make it {kw['a']}.", ALIGN_BUTTON[kw["a"]], "click_input", {"button": "left", "double": False})]
    if family == "table":
        return [("Go to the end of the document.", None, "keyboard_input", {"keys": "^{END}"}),
                ("Insert the table.", None, "insert_table", {"rows": kw["r"], "columns": kw["c"]})]
    if family == "style":
        n = ORDINAL.index(kw["o"]) + 1
        return [(f"Select paragraph {n}.", None, "select_paragraph", {"index": n}),
                ("Open the style list.", "Paragraph Style", "click_input", {"button": "left", "double": False}),
                (f"Choose {kw['y']}.", "Paragraph Style", "select_item", {"item": kw["y"]})]
    if family == "font_size":
        return [(f'Select "{kw["t"]}".', None, "select_text", {"text": kw["t"]}),
                ("Set the size.", "Font Size", "set_edit_text", {"text": kw["z"]}),
                ("Confirm the size.", None, "keyboard_input", {"keys": "{ENTER}"})]
    n = ORDINAL.index(kw["o"]) + 1
    return [(f"Select paragraph {n}.", None, "select_paragraph", {"index": n}),
            ("Open the Format menu.", "Format", "click_input", {"button": "left", "double": False}),
            ("Toggle the bullets.", "Toggle Unordered List", "click_input", {"button": "left", "double": False})]


def _task(rng: random.Random, k: int, split: str) -> tuple[TaskInstance, list[str], list]:
    family = rng.choice(list(PHRASINGS))
    paragraphs = [" ".join(rng.sample(WORDS, 4)).capitalize() + "." for _ in range(rng.randint(3, 5))]
    para = rng.randrange(len(paragraphs))
    words = paragraphs[para].rstrip(".").split()
    start = rng.randrange(len(words) - 1)
    kw = {"t": " ".join(words[start:start + 2]).lower(), "s": rng.choice(list(STYLE_BUTTON)),
          "o": ORDINAL[para], "a": rng.choice(list(ALIGN_BUTTON)), "r": rng.randint(2, 6), "c": rng.randint(2, 5),
          "y": rng.choice(COMBOS[0][1][1:]), "z": rng.choice(COMBOS[2][1])}
    request, phrasing = _phrase(rng, family, split, **kw)
    task = TaskInstance(task_id=f"{family}_{k:05d}", request=request, template_id=f"tpl_{k % 7}",
                        doc_path=f"/tmp/tpl_{k % 7}.docx", families=[family], params=kw, phrasing=phrasing,
                        split=split)
    return task, paragraphs, _expert_steps(rng, family, kw, paragraphs)


def _trajectory(rng: random.Random, task: TaskInstance, paragraphs: list[str], expert, fail: bool) -> Trajectory:
    steps: list[Step] = []
    plans = [e[0] for e in expert]
    broken = rng.randrange(len(expert)) if fail else -1
    for i, (thought, control, function, args) in enumerate(expert):
        obs = _observation(rng, paragraphs, selection=task.params["t"] if i else "")
        if i == broken:  # a failing trajectory: the wrong control is pressed and the checker says no
            control, function, args = rng.choice(TOOLBAR)[0], "click_input", {"button": "left", "double": False}
        last = i == len(expert) - 1
        output = AgentOutput(thought=thought, control_label=_label(obs, control) if control else None,
                             control_name=control, function=function, args=args,
                             status="FINISH" if last else "CONTINUE", plan=plans[i + 1:])
        steps.append(Step(index=i, observation=obs, output=output, result_ok=True))
    return Trajectory(task=task, policy="expert", steps=steps, bucket="fail" if fail else "pass",
                      verdict=Verdict(passed=not fail), failure="checker" if fail else None)


def trajectory_samples(traj: Trajectory, top_k: int = 15) -> list[StepSample]:
    """Trajectory -> StepSamples with the agent's `build_sample` (what dataflow's export does)."""
    out = []
    for i, step in enumerate(traj.steps):
        s = build_sample(traj.task.request, step.observation, traj.steps[:i], task_id=traj.task.task_id,
                         target=step.output, top_k=top_k, must_include=step.output.control_label)
        out.append(s.model_copy(update={"family": traj.task.families[0], "template_id": traj.task.template_id,
                                        "split": traj.task.split, "reward": 1.0 if traj.bucket == "pass" else -1.0}))
    return out


@dataclass
class SyntheticData:
    plans: list[TaskPlan] = field(default_factory=list)
    passed: list[Trajectory] = field(default_factory=list)
    failed: list[Trajectory] = field(default_factory=list)
    steps: list[StepSample] = field(default_factory=list)


def make_synthetic(n_pass: int, n_fail: int, n_plans: int, seed: int = 0, test_fraction: float = 0.1) -> SyntheticData:
    rng = random.Random(seed)
    data = SyntheticData()
    for k in range(n_pass + n_fail):
        split = "test" if rng.random() < test_fraction else "train"
        task, paragraphs, expert = _task(rng, k, split)
        traj = _trajectory(rng, task, paragraphs, expert, fail=k >= n_pass)
        (data.failed if traj.bucket == "fail" else data.passed).append(traj)
        data.steps += trajectory_samples(traj)
    for k in range(n_plans):
        task, _, expert = _task(rng, 100000 + k, "train")
        plan = [f"{i}. {thought}" for i, (thought, *_) in enumerate(expert, 1)]
        data.plans.append(TaskPlan(task_id=f"writer_{k:05d}", task=task.request, plan=plan,
                                   source=Source(kind="synthetic")))
    return data
