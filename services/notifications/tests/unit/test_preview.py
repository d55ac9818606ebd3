from notifications.__main__ import cli
from notifications.emails.preview import preview, rendered_samples
from notifications.emails.rendering import TEMPLATES


def test_preview_renders_every_template_once() -> None:
    assert sorted(request.template for request, _ in rendered_samples()) == sorted(TEMPLATES)


def test_preview_shows_subject_and_first_lines_of_each_email() -> None:
    shown = preview(lines=5)
    assert shown.count("Subject: ") == len(TEMPLATES)
    assert "Subject: Your trial ends in 4 days" in shown
    assert "https://app.example.com/verify-email?token=" in shown


def test_preview_emails_is_a_command_of_the_service(capsys: object) -> None:
    assert cli.main(["preview-emails", "--lines", "2"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "Subject: Reset your password" in out
