"""The annotation form on an event's page (Flask-WTF adds and checks its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, Optional

from chronology.annotations import MAX_TEXT

SIGNIFICANCE_CHOICES = [
    SelectChoice("", "No judgement"),
    SelectChoice("yes", "Significant"),
    SelectChoice("no", "Not significant"),
]


class AnnotationForm(FlaskForm):
    significance = RadioField("Is this event significant for the child?", choices=SIGNIFICANCE_CHOICES, default="")
    analysis = TextAreaField("Analysis", validators=[Optional(), Length(max=MAX_TEXT)])
    impact = TextAreaField("Impact on the child", validators=[Optional(), Length(max=MAX_TEXT)])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=MAX_TEXT)])

    def is_empty(self) -> bool:
        return not (self.significance.data or any(f.data and f.data.strip() for f in (self.analysis, self.impact, self.comment)))
