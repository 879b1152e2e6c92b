"""Every form the service shows. Flask-WTF adds and checks each one's CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from chronology.users import ROLE_WORDS, Role

ROLE_CHOICES = [SelectChoice(role.value, ROLE_WORDS[role]) for role in Role]


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username"), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class EmptyForm(FlaskForm):
    """A button only (sign out, confirm, reject): the CSRF token is what it carries."""


class UndoForm(FlaskForm):
    """Undoing a join: the reason is kept with the merge, as on the command line."""

    reason = TextAreaField(
        "Why are these different children?",
        validators=[
            DataRequired("Say why the records are different children"),
            Length(min=10, max=1000, message="Give a reason of at least 10 characters"),
        ],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Why do you need to open this record?",
        validators=[
            DataRequired("Give the reason you need to open this record"),
            Length(min=10, max=1000, message="Give a reason of at least 10 characters"),
        ],
    )
    next = HiddenField()


class UploadForm(FlaskForm):
    file = FileField("File to import", validators=[FileRequired("Choose a file to import")])
    format = SelectField("Format", choices=[], validators=[Optional()])
    agency = StringField(
        "Agency (only for files that do not name one on each row)", validators=[Optional(), Length(max=200)]
    )


class NewUserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter a username"), Length(max=100)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    team = StringField(
        "Team (practitioners and managers)", validators=[Optional(), Length(max=100)]
    )


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    team = StringField("Team", validators=[Optional(), Length(max=100)])
    active = BooleanField("Can sign in")


class AllocateForm(FlaskForm):
    team = StringField("Team", validators=[DataRequired("Enter a team"), Length(max=100)])
    child_ids = TextAreaField(
        "LA child IDs (one per line, or separated by spaces or commas)",
        validators=[DataRequired("Enter at least one LA child ID")],
    )
