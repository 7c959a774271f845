"""The two templates every installation has: the example postmortem's shape and Google SRE's.

Their sections keep the keys of the narrative fields documents had before templates, so old
exports (whose headings carry `<!-- pm:key -->` markers) import into the same sections.
"""

from dataclasses import dataclass

CLASSIC = "Classic"
GOOGLE_SRE = "Google SRE"
LESSONS = "Lessons Learned"


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    kind: str = "markdown"
    help_text: str = ""
    group: str = ""


TRIGGER = SectionSpec("trigger", "Trigger", help_text="What set the incident off?")
DETECTION = SectionSpec("detection", "Detection", help_text="How was the incident noticed?")
CLOSING = SectionSpec(
    "closing_remarks", "Closing Remarks", help_text="What should readers take away?"
)
LESSON_SPECS = (
    SectionSpec("went_well", "What went well", help_text="What worked?", group=LESSONS),
    SectionSpec("went_wrong", "What went wrong", help_text="What made it worse?", group=LESSONS),
    SectionSpec(
        "got_lucky", "Where we got lucky", help_text="What saved us by chance?", group=LESSONS
    ),
)
OTHER_NOTES = SectionSpec(
    "unplaced_text",
    "Other Notes",
    help_text="Anything else; text an import could not place is kept here.",
)
SUMMARY_HELP = "What happened, in a few sentences, and what did the customer see?"
RESOLUTION_HELP = "How was service restored? Left empty, the causes' resolutions are shown."

BUILT_IN = {
    CLASSIC: (
        "classic",
        "The example postmortem's shape: issue summary, root cause, timeline, measures.",
        (
            SectionSpec("summary", "Issue Summary", "summary", SUMMARY_HELP),
            SectionSpec("causes", "Root Cause", "causes"),
            SectionSpec("timeline", "Timeline", "timeline"),
            SectionSpec("resolution", "Root Cause and Resolution", "resolution", RESOLUTION_HELP),
            SectionSpec("action_items", "Corrective and Preventative Measures", "action_items"),
            CLOSING,
            TRIGGER,
            DETECTION,
            *LESSON_SPECS,
            OTHER_NOTES,
        ),
    ),
    GOOGLE_SRE: (
        "sre",
        "Google SRE: summary, impact, root causes, trigger, action items table.",
        (
            SectionSpec("summary", "Summary", "summary", SUMMARY_HELP),
            SectionSpec("impact", "Impact", "impact", "Who was affected, and how badly?"),
            SectionSpec("causes", "Root Causes", "causes"),
            TRIGGER,
            SectionSpec("resolution", "Resolution", "resolution", RESOLUTION_HELP),
            DETECTION,
            SectionSpec("action_items", "Action Items", "action_items"),
            CLOSING,
            *LESSON_SPECS,
            OTHER_NOTES,
            SectionSpec("timeline", "Timeline", "timeline"),
        ),
    ),
}
# Each built-in template by the layout name postmortems had before templates.
BY_LAYOUT = {"classic": CLASSIC, "sre": GOOGLE_SRE}
