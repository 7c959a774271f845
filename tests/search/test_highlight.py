from search.highlight import START, STOP, mark_words, marked


def test_marked_escapes_the_text_and_marks_only_the_matches():
    html = marked(f"<b>{START}timeout{STOP}</b> & more")
    assert html == "&lt;b&gt;<mark>timeout</mark>&lt;/b&gt; &amp; more"


def test_marked_makes_balanced_tags_of_stray_markers():
    assert marked(f"{STOP}a{START}b{START}c") == "a<mark>bc</mark>"


def test_mark_words_marks_every_occurrence_in_any_case_and_cuts_long_text():
    text = "x" * 300 + " Timeout then timeout " + "y" * 300
    snippet = mark_words(text, ["timeout"])
    assert snippet.count(START) == 2 and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 200
    assert mark_words("nothing here", ["timeout"]) is None


def test_plain_text_drops_markdown_marks_but_keeps_words_and_match_marks():
    from search.highlight import START, STOP, plain_text

    text = f"## Cause\n1. The **web {START}server{STOP}** crashed\n- [x] see [logs](http://x)"
    assert plain_text(text) == f"Cause The web {START}server{STOP} crashed see logs"
    assert plain_text("snake_case and 2*3 stay") == "snake_case and 2*3 stay"
