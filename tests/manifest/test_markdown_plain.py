"""Plain sentences are rendered without loading markdown-it, to the same HTML it gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from zenodo_publish.manifest.sources import markdown_to_html, plain_paragraphs

RENDERER = MarkdownIt("commonmark").enable("table").enable("strikethrough")

text = st.text(alphabet=st.sampled_from("ab Zé1,.;:'()?/\n\t*_#-<&>\"[]`!|~+=\\"), max_size=80)


@settings(max_examples=400, deadline=None)
@given(text)
def test_the_plain_fast_path_gives_what_markdown_it_gives(source: str) -> None:
    plain = plain_paragraphs(source)
    if plain is not None:
        assert plain == RENDERER.render(source)
    assert markdown_to_html(source) == RENDERER.render(source)


def test_plain_sentences_take_the_fast_path() -> None:
    source = "Generated files for the benchmark.\nSecond line, (with) a: colon?\n\nNew one."
    assert plain_paragraphs(source) == RENDERER.render(source)
    assert plain_paragraphs("# a heading") is None
    assert plain_paragraphs("1. a list") is None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab Zé1,.;:'()?/\n"), max_size=60))
def test_the_fast_path_over_its_own_alphabet(source: str) -> None:
    plain = plain_paragraphs(source)
    if plain is not None:
        assert plain == RENDERER.render(source)
