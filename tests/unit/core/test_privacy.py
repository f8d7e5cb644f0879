"""Masking what leaves the screen: card numbers to their last 4 digits, names not at all."""

from __future__ import annotations

from kiosk.core.privacy import NAME_MASK, mask_code, mask_personal


def test_codes_keep_their_last_four() -> None:
    assert mask_code("23171000000010") == "**********0010"
    assert mask_code("00010") == "*0010"
    assert mask_code("") == ""


def test_long_numbers_are_masked_wherever_they_stand() -> None:
    text = "scanned 23171000000010\n  | 33171990000010 (judul tidak dikenal)\n  | 5 Desember 2026"
    assert mask_personal(text) == (
        "scanned **********0010\n  | **********0010 (judul tidak dikenal)\n  | 5 Desember 2026"
    )


def test_every_word_of_a_name_is_replaced_as_a_whole_word() -> None:
    text = "Halo, Siti\nTerima kasih, Siti Nurhaliza!\nSitinya ... NURHALIZA"
    assert mask_personal(text, ["Siti Nurhaliza"]) == (
        f"Halo, {NAME_MASK}\nTerima kasih, {NAME_MASK} {NAME_MASK}!\nSitinya ... {NAME_MASK}"
    )


def test_names_with_regex_characters_and_one_letter_words() -> None:
    assert mask_personal("Halo, A. (Ucok) Siregar", ["A. (Ucok) Siregar"]) == (
        f"Halo, A. ({NAME_MASK}) {NAME_MASK}"
    )
    assert mask_personal("Halo", []) == "Halo"
