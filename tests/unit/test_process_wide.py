"""The process-wide objects (case client, catalog provider, desk ...) are made once, on first use."""

import threading
import time

from bot.process_wide import ProcessWide


def test_it_is_made_once_on_first_use_however_many_threads_ask() -> None:
    made: list[object] = []

    def make() -> object:
        time.sleep(0.05)  # long enough for every thread to ask while the first is still making it
        made.append(object())
        return made[-1]

    one = ProcessWide(make)
    assert made == []
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(one.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert got == made * 8


def test_replace_puts_another_in_place_and_none_makes_it_anew() -> None:
    count = iter(range(100))
    one = ProcessWide(lambda: f"made {next(count)}")
    first = one.get()
    assert first == "made 0"
    assert one.replace("mine") == first
    assert one.get() == "mine"
    assert one.replace(None) == "mine"
    assert one.get() == "made 1"
