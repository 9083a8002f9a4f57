"""What assessment 05 shows of the trainee's own variant: whose clients these are, and each
client's card (never an answer). The variant comes from ``course.models.variants.my_variant``."""

from __future__ import annotations

import os
from html import escape

from course.models.variants import ASSESSMENT, Variant, my_variant
from course.views.html import Html
from course.views.screening import vignette_card

HUB_USER_VARIABLE = "JUPYTERHUB_USER"


def clients_note(variant: Variant | None = None) -> str:
    """One paragraph, in plain words: whose clients these are, or how to get your own."""
    chosen = variant or my_variant(ASSESSMENT)
    if chosen.trainee:
        return (f"These are your own clients, {escape(chosen.trainee)} (set {chosen.fingerprint})."
                " Every trainee screens different clients, and your answers are marked against "
                "yours, so work them out yourself.")
    if os.environ.get(HUB_USER_VARIABLE):
        return ("⚠ Your personal clients are missing on this class server, so you see the "
                "self-study set. Tell your instructor before you answer: your answers are "
                "marked against your own clients.")
    return ("Self-study set: the same clients for everyone who studies on their own. In a "
            "class, each trainee gets their own clients: on the class server this happens by "
            "itself; on your own computer, ask your instructor for your personal key and put "
            "it in the file ~/.cryocourse/variant-key.")


PRACTICE_MODE_NOTE = (
    "<b>Practice mode (open-book).</b> Here the course's tools are open to you: lesson 04's "
    "screening form, the practice at the end, the course package. A mark earned with them says "
    "little about what you can do on your own, so use them to check yourself after you have "
    "decided. When your instructor sets this assessment <em>supervised</em>, you take it on the "
    "class server in a timed window, with your cards and nothing that decides for you.")


def my_clients() -> Html:
    """The note above the cases: whose clients, and that this is practice mode.

    (In a supervised window the kit's own ``my_clients`` says so instead:
    course/lessons/supervised_cases.py.)"""
    return Html(f'<p class="cryo-clients">{clients_note()}</p><p class="cryo-mode">'
                f"{PRACTICE_MODE_NOTE}</p>")


def client_card(number: int) -> Html:
    """Client ``number`` of the trainee's own variant: the vignette and the treatment asked."""
    return vignette_card(my_variant(ASSESSMENT).case(number), f"Client {number}")
