"""Jinja2 rendering of the emails of events.md §5: subject, plain text and HTML (every value escaped)."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"

TEMPLATES = frozenset(
    {
        "email_verification",
        "password_reset",
        "account_invite",
        "platform_invite",
        "sales_lead_notification",
        "trial_ending",
        "payment_failed",
        "complimentary_announcement",
    }
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class Renderer:
    """Renders `templates/<name>/{subject.txt,body.txt,body.html}`; HTML files are autoescaped."""

    def __init__(self, root: Path = TEMPLATE_ROOT) -> None:
        self.environment = Environment(
            loader=FileSystemLoader(root),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def subject(self, template: str, values: Mapping[str, Any]) -> str:
        if template not in TEMPLATES:
            raise ValueError(f"unknown email template {template!r}")
        subject = self.environment.get_template(f"{template}/subject.txt").render(values)
        # a subject is one header line: no value may smuggle in a line break
        return " ".join(subject.split())

    def render(self, template: str, values: Mapping[str, Any]) -> RenderedEmail:
        return RenderedEmail(
            subject=self.subject(template, values),
            text=self.environment.get_template(f"{template}/body.txt").render(values),
            html=self.environment.get_template(f"{template}/body.html").render(values),
        )
