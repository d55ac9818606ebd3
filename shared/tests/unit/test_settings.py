import pytest

from shared.settings import CommonSettings, load_settings


def test_missing_required_setting_exits_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INTERNAL_API_TOKEN", raising=False)
    monkeypatch.chdir("/")  # no .env here
    with pytest.raises(SystemExit) as exit_info:
        load_settings(CommonSettings)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == "configuration error: setting INTERNAL_API_TOKEN is required but not set"


def test_malformed_setting_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INTERNAL_API_TOKEN", "x")
    monkeypatch.setenv("EVENT_MAX_ATTEMPTS", "many")
    with pytest.raises(SystemExit):
        load_settings(CommonSettings)
    err = capsys.readouterr().err
    assert "EVENT_MAX_ATTEMPTS is invalid" in err
    assert len(err.strip().splitlines()) == 1
