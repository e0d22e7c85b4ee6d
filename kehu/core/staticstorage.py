"""The static files storage: WhiteNoise's compressed storage whose url() remembers its answers.

`{% static %}` asks the storage for a path's URL every time it renders (10 to 15 times a page,
about 35 µs each: quoting and joining the same strings again, issue 16). A path's URL never
changes while the process runs (STATIC_URL is a setting), so it is computed once.
"""

from __future__ import annotations

from whitenoise.storage import CompressedStaticFilesStorage


class StaticStorage(CompressedStaticFilesStorage):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._urls: dict[str | None, str] = {}

    def url(self, name: str | None) -> str:
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
