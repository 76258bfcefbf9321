"""Six ordinary documents for the natural-request suite, built with python-docx (deterministic).

Each document is a list of blocks: (style, text) paragraphs, where text may be a list of
(text, {"bold": True, ...}) runs, or ("table", rows) with the first row as a bold header.
"""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path
from typing import Union

import docx
from docx.shared import Pt

Run = tuple[str, dict]
Block = tuple[str, Union[str, list]]

DOCUMENTS: dict[str, list[Block]] = {
    "newsletter": [
        ("Title", "Riverside Allotments Spring Newsletter"),
        ("Heading 1", "A word from the chair"),
        ("Normal", "What a winter it has been. The top field flooded twice in January, but the new drainage "
                   "ditch held up well and most plots are now dry enough to dig. Thank you to everyone who "
                   "turned out for the work party on the last Saturday of February."),
        ("Heading 1", "Seed swap"),
        ("Normal", [("Our annual seed swap takes place on ", {}), ("Sunday 13 April", {"bold": True}),
                    (" from 10 am until noon in the main shed. Tea and biscuits will be provided by the "
                     "Thursday group.", {})]),
        ("List Bullet", "Bring seeds in labelled envelopes."),
        ("List Bullet", "Spare seedlings and cuttings are welcome too."),
        ("List Bullet", "Please do not bring potato tubers this year."),
        ("Heading 1", "Reminders"),
        ("Normal", "Plot rents for the coming year are due by the end of March. The water troughs will be "
                   "switched back on once the risk of frost has passed, usually in mid-April. Cars must be "
                   "parked in the lower car park and not along the track, which the council has asked us to "
                   "keep clear."),
        ("Normal", "Happy digging, Margaret Hollis (Chair)"),
    ],
    "minutes": [
        ("Title", "Minutes of the Village Hall Committee Meeting"),
        ("Normal", [("Date:", {"bold": True}), (" Tuesday 4 March 2025, 7.30 pm, in the small hall", {})]),
        ("Normal", [("Present:", {"bold": True}),
                    (" Ann Pryce (chair), Tom Bell, Ravi Shah, Joan Ellis and Peter Quinn. Apologies were "
                     "received from Sue Marlow.", {})]),
        ("Heading 1", "1. Finances"),
        ("Normal", "The treasurer reported a balance of £4,820 in the current account. Income from hall hire "
                   "was up on last year, mainly because of the new Wednesday yoga class. The committee agreed "
                   "to move £2,000 into the reserve account."),
        ("Heading 1", "2. Roof repairs"),
        ("Normal", "Two quotes have been received for repairing the flat roof over the kitchen. The committee "
                   "preferred the quote from Hartley Builders, which includes a ten-year guarantee. Tom will "
                   "ask for a start date in May."),
        ("Heading 1", "3. Any other business"),
        ("Normal", "Joan raised the condition of the stage curtains, which are torn in several places. Ravi "
                   "offered to find out what replacement curtains would cost. The kettle in the kitchen is "
                   "broken again and will be replaced."),
        ("table", [["Action", "Owner", "Due"],
                   ["Move £2,000 to reserve account", "Ann", "14 March"],
                   ["Confirm roof start date", "Tom", "31 March"],
                   ["Price new stage curtains", "Ravi", "1 April"]]),
        ("Normal", "The next meeting will be held on Tuesday 1 April at 7.30 pm."),
    ],
    "recipe": [
        ("Title", "Lemon and Thyme Roast Chicken"),
        ("Normal", "This is the roast we make most Sundays. It needs very little attention once it is in the "
                   "oven, and the lemon keeps the meat moist. Allow about an hour and a half from start to "
                   "finish."),
        ("Heading 1", "Ingredients"),
        ("List Bullet", "1 whole chicken, about 1.6 kg"),
        ("List Bullet", "2 unwaxed lemons"),
        ("List Bullet", "A small bunch of fresh thyme"),
        ("List Bullet", "3 tablespoons of olive oil"),
        ("Heading 1", "Method"),
        ("List Number", "Heat the oven to 200°C. Halve one lemon and push it inside the chicken with half of "
                        "the thyme."),
        ("List Number", "Rub the skin with the olive oil, season well with salt and pepper, and scatter over "
                        "the remaining thyme leaves."),
        ("List Number", "Roast for 1 hour 20 minutes, then rest the chicken under foil for 15 minutes before "
                        "carving."),
        ("Normal", "Tip: squeeze the second lemon over the potatoes just before serving."),
    ],
    "letter": [
        ("Normal", "Brightwater Dental Practice, 12 Harbour Road, Falmouth TR11 2AB"),
        ("Normal", "3 October 2024"),
        ("Normal", "Mr David Okafor, Okafor Cleaning Services, 4 Mill Lane, Penryn TR10 8HQ"),
        ("Heading 1", "Renewal of cleaning contract"),
        ("Normal", "Dear Mr Okafor,"),
        ("Normal", "Thank you for your letter of 24 September and for the revised price list. We have been "
                   "very happy with the standard of cleaning over the past two years, and we would like to "
                   "renew the contract for a further twelve months."),
        ("Normal", "We would, however, like to change the weekly schedule. From November the practice will "
                   "open on Saturday mornings, so we need the evening clean to move from Friday to Saturday "
                   "afternoon. Please let me know whether this is possible and whether it affects the price."),
        ("Normal", "I would be grateful for a reply by 18 October, so that the new arrangement can start on "
                   "1 November."),
        ("Normal", "Yours sincerely,"),
        ("Normal", "Helen Marsh, Practice Manager"),
    ],
    "status": [
        ("Title", "Website Redesign: Project Status Report"),
        ("Normal", "Reporting period: week ending Friday 14 June 2024. Prepared by Priya Nair."),
        ("Heading 1", "Summary"),
        ("Normal", "The project is on track overall. The new page templates were signed off on Tuesday, and "
                   "content migration has started. The search feature is running about a week behind because "
                   "the supplier's test server was unavailable."),
        ("Heading 1", "Milestones"),
        ("table", [["Milestone", "Owner", "Status"],
                   ["Page templates approved", "Priya", "Done"],
                   ["Content migration", "Leo", "In progress"],
                   ["Search integration", "Marta", "Delayed"],
                   ["Launch", "Priya", "Planned for 26 July"]]),
        ("Heading 1", "Risks"),
        ("Normal", "The main risk is the delay to search. If the supplier cannot restore the test server by "
                   "Wednesday, launch may slip by one week. Marta is in daily contact with them."),
        ("Heading 1", "Next steps"),
        ("Normal", "Leo will finish migrating the news archive. Marta will run the first search tests as soon "
                   "as the server is back. The next report is due on 21 June."),
    ],
    "programme": [
        ("Title", "Summer Choir Weekend Programme"),
        ("Normal", "Welcome to our summer weekend at Linden House. This programme lists the main sessions; "
                   "smaller sectional rehearsals will be announced on the notice board in the dining room."),
        ("Heading 1", "Saturday"),
        ("Normal", "Registration opens at 9.30 am in the front hall, where you can collect your music folder "
                   "and name badge."),
        ("table", [["Time", "Session", "Room"],
                   ["10.00 am", "Warm-up and full rehearsal", "Great Hall"],
                   ["1.00 pm", "Lunch", "Dining Room"],
                   ["2.30 pm", "Sectional rehearsals", "Library and Music Room"],
                   ["7.30 pm", "Informal concert", "Great Hall"]]),
        ("Heading 1", "Sunday"),
        ("Normal", "After breakfast we rehearse the Fauré Requiem for the last time before the closing "
                   "performance at 3 pm. Family and friends are welcome to attend the performance free of "
                   "charge."),
        ("Heading 1", "Practical information"),
        ("Normal", "Parking is available behind the house, but spaces are limited, so please share lifts where "
                   "you can. Bedrooms must be vacated by 10 am on Sunday."),
        ("Normal", "If you have any questions during the weekend, please speak to Carol at the welcome desk."),
    ],
}

_FIXED = _dt.datetime(2025, 1, 1, 12, 0, 0)


def _add_runs(paragraph, content) -> None:
    runs = [(content, {})] if isinstance(content, str) else content
    for text, fmt in runs:
        run = paragraph.add_run(text)
        for k, v in fmt.items():
            setattr(run.font, k, v)


def build_document(doc_id: str):
    """A fresh python-docx Document for `doc_id`."""
    doc = docx.Document()
    doc.styles["Normal"].font.size = Pt(11)
    for style, content in DOCUMENTS[doc_id]:
        if style == "table":
            rows = content
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = doc.styles["Table Grid"]
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    cell = table.cell(r, c)
                    _add_runs(cell.paragraphs[0], [(text, {"bold": True} if r == 0 else {})])
        else:
            _add_runs(doc.add_paragraph(style=style), content)
    cp = doc.core_properties
    cp.created = cp.modified = _FIXED
    cp.last_printed = _FIXED
    cp.author = cp.last_modified_by = "lamfactory natural suite"
    cp.revision = 1
    return doc


def document_bytes(doc_id: str) -> bytes:
    buf = io.BytesIO()
    build_document(doc_id).save(buf)
    return buf.getvalue()


def load_document(doc_id: str):
    """The document as python-docx reads it back after a save (the state every check compares against)."""
    return docx.Document(io.BytesIO(document_bytes(doc_id)))


def build_documents(out_dir) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for doc_id in DOCUMENTS:
        path = out / f"{doc_id}.docx"
        path.write_bytes(document_bytes(doc_id))
        paths[doc_id] = path
    return paths
