"""Voice guidance in a real window: borrow, return, renew and the account with keys only.

Each test runs a scenario of ``voice_probe.py`` in a child process: the real kiosk
screens offscreen, keys dispatched to the real window as a keyboard or a USB numeric
keypad sends them (down, text, up), and a ``RecordingSpeech`` as the kiosk's voice. The
books are scanned (a scanner, not a screen); everything else is keys. The tests assert
the exact sequence of what the patron hears about screens and results (titles, due
dates, refusals, sorting instructions), and the controls the keys rang on the way.
"""

from __future__ import annotations

import pytest
from ui.screen_probe import run_probe

pytestmark = pytest.mark.ui

SCRIPT = str(__import__("pathlib").Path(__file__).with_name("voice_probe.py"))

VOICE_ON_ID = (
    "Panduan suara aktif. Tekan panah bawah atau tombol tambah untuk pindah ke tombol "
    "berikutnya, panah atas atau tombol kurang untuk kembali, lalu Enter untuk memilih. Tekan "
    "F1 atau garis miring untuk bantuan, dan bintang untuk mengulang. Untuk bahasa Inggris, "
    "tekan F2."
)
VOICE_ON_EN = (
    "Voice guidance is on. Press the down arrow or the plus key to move to the next button, "
    "the up arrow or the minus key to go back, then Enter to choose. Press F1 or the slash "
    "key for help, and the star key to repeat. For Bahasa Indonesia, press F2."
)
ATTRACT_ID = [
    "Layar awal. Pilih layanan: pinjam, kembalikan, akun saya, atau buku tamu. Untuk meminjam, "
    "Anda juga bisa langsung memindai kartu perpustakaan.",
    "Pinjam, Tombol 1. Pinjam buku dengan kartu dan PIN Anda",
    "Kembalikan, Tombol 2. Kembalikan buku, tanpa kartu",
    "Akun saya & perpanjang, Tombol 3. Lihat pinjaman, pesanan dan denda; perpanjang pinjaman",
    "Buku tamu, Tombol 4. Catat kunjungan Anda: anggota, tamu atau rombongan",
]
ATTRACT_EN = [
    "Start screen. Choose a service: borrow, return, my account, or the guest book. To borrow "
    "you can also simply scan your library card.",
    "Borrow, Key 1. Borrow books with your card and PIN",
    "Return, Key 2. Return books, no card needed",
    "My account & renew, Key 3. See your loans, holds and fines; renew loans",
    "Guest book, Key 4. Sign in your visit: member, guest or group",
]


def voice(scenario: str, language: str, *, private: bool = False) -> dict[str, object]:
    import os

    if private:
        os.environ["VOICE_PROBE_PRIVATE"] = "1"
    try:
        return run_probe(scenario, "--language", language, script=SCRIPT)
    finally:
        os.environ.pop("VOICE_PROBE_PRIVATE", None)


def heard(found: dict[str, object]) -> list[str]:
    """Screens, results and notices, in order (what is said without a key moving)."""
    said = found["said"]
    assert isinstance(said, list)
    return [text for priority, text in said if priority not in ("<interrupt>", "CONTROL")]


def rang(found: dict[str, object]) -> list[str]:
    """What was said about the controls keys moved to (and typed digits), in order."""
    said = found["said"]
    assert isinstance(said, list)
    return [text for priority, text in said if priority == "CONTROL"]


def test_borrowing_by_keys_in_indonesian_is_heard_step_by_step() -> None:
    found = voice("keys_borrow", "id")
    assert found["screen_after"] == "rate"
    assert heard(found) == [
        VOICE_ON_ID,
        *ATTRACT_ID,
        "Meminjam buku. Pindai kartu perpustakaan Anda di pemindai, atau ketik nomornya lalu "
        "tekan Enter.",
        "Pinjam buku",
        "Ketik PIN kartu Anda, lalu tekan Enter. Angka PIN tidak diucapkan.",
        "Pinjam buku",
        "Kartu berakhiran 0010",
        "Pindai buku satu per satu. Setiap hasil akan diucapkan. Setelah selesai, pilih "
        "Selesai meminjam.",
        "Halo",
        "Dipinjam. Kembalikan paling lambat 5 Desember 2026.",
        "Tidak dipinjam. Buku ini hanya untuk dibaca di perpustakaan. Anda dapat membacanya di "
        "sini, lalu letakkan di troli pengembalian. Pindai buku berikutnya, atau tekan Selesai "
        "meminjam.",
        "Ringkasan peminjaman. Daftarnya dibacakan, lalu pilih struk atau Selesai.",
        "Terima kasih!",
        "Anda meminjam 1 buku.",
        "1 buku tidak dipinjam: lihat alasannya di bawah.",
        "Anda sekarang meminjam 1 buku. Paling awal kembali 5 Desember 2026.",
        "Layar kembali ke awal dalam 60 detik",
        "1 dari 2 buku dipinjam",
        "Dipinjam. Kembalikan paling lambat 5 Desember 2026.",
        "Tidak dipinjam. Buku ini hanya untuk dibaca di perpustakaan. Anda dapat membacanya di "
        "sini, lalu letakkan di troli pengembalian.",
        "Bagaimana kunjungan Anda? Tekan angka 1 sampai 5, 1 sangat buruk dan 5 sangat baik, "
        "lalu Enter. Atau pilih Lewati.",
        "Bagaimana kunjungan Anda hari ini?",
    ]
    controls = rang(found)
    # A card number's first two digits are said as typed (it may be a menu choice), then
    # only how many there are.
    card = ["2", "3", *[f"{n} angka dimasukkan" for n in range(3, 15)]]
    pin = [f"{n} angka dimasukkan" for n in range(1, 5)]
    assert _in_order(controls, [
        "Pinjam, Tombol 1, Pinjam buku dengan kartu dan PIN Anda, tombol, 1 dari 4",
        *card, *pin,
        "Selesai meminjam, tombol, 14 dari 14",
        "Cetak struk (OK), tombol, terpilih, 1 dari 2",
        "Tanpa struk, tombol, 2 dari 2",
    ])  # fmt: skip
    assert "1234" not in " ".join(controls + heard(found))


def test_borrowing_by_keys_in_english_with_headphones_names_the_books() -> None:
    found = voice("keys_borrow", "en", private=True)
    results = heard(found)
    assert results[0] == VOICE_ON_EN
    assert results[1:6] == ATTRACT_EN
    scanning = results.index(
        "Scan your books one at a time. Each result is spoken. When you are done, choose "
        "Finish borrowing."
    )
    assert results[scanning + 1 : scanning + 4] == [
        "Hello, Sutrisno",
        "Laskar Pelangi. Borrowed. Return by 5 December 2026.",
        "Kamus Besar Bahasa Indonesia. Not borrowed. This book is for reading in the library "
        "only. You can read it here; leave it on the return trolley afterwards. Scan your next "
        "book, or press Finish borrowing.",
    ]
    assert "Thank you, Sutrisno!" in results


def test_returning_by_keys_says_where_each_book_goes_and_repeats_on_request() -> None:
    found = voice("keys_return", "en")
    assert found["entry"] == ""  # the keypad's / and * typed nothing
    assert heard(found) == [
        VOICE_ON_EN,
        *ATTRACT_EN,
        "Returning books. No card is needed. Scan your books one at a time; each result and "
        "where to put the book is spoken. When you are done, choose Finish returning.",
        "Returned. Put this book on the returns trolley.",
        "Returned. Put this book on the returns trolley.",  # * : repeat
        "Return summary. The list is read out; then choose a receipt or Done.",
        "1 book returned.",
        "This screen closes in 60 seconds",
        "1 of 1 book returned",
        "Returned. Put this book on the returns trolley.",
    ]
    assert rang(found)[-1] == "Finish returning, button, 14 of 14"


def test_the_account_and_a_renewal_by_keys_then_rate_volume_and_help() -> None:
    found = voice("keys_account", "id")
    assert heard(found) == [
        VOICE_ON_ID,
        *ATTRACT_ID,
        "Akun saya dan perpanjang. Pindai kartu perpustakaan Anda, atau ketik nomornya lalu "
        "tekan Enter.",
        "Akun saya dan perpanjang",
        "Ketik PIN kartu Anda, lalu tekan Enter. Angka PIN tidak diucapkan.",
        "Akun saya dan perpanjang",
        "Kartu berakhiran 0027",
        "Akun Anda. Pinjaman, pesanan, dan denda dibacakan. Untuk memperpanjang, pindah ke "
        "tombol Perpanjang pada buku itu, atau Perpanjang semua. Setelah selesai, pilih Selesai.",
        "Akun saya:",
        "Membuka akun Anda…",
        "1 buku dipinjam.",
        "1 siap diambil, 1 masih dalam antrean.",
        "Anda tidak memiliki denda.",
        "Perpanjang semua",
        "Dipinjam. Kembalikan paling lambat 29 November 2026.",
        "Siap diambil. Ambil di rak pesanan paling lambat 28 November 2026.",
        "Dalam antrean. Urutan ke-1 dalam antrean.",
        "1 buku dipinjam. 1 baru saja diperpanjang.",
        "Diperpanjang. Diperpanjang sampai 13 Desember 2026.",
        "Di kiri ada buku yang Anda pinjam beserta tanggal kembalinya; buku yang terlambat "
        "ditandai dengan tulisan. Tekan Perpanjang di samping buku untuk memperpanjangnya, atau "
        "Perpanjang semua. Hasilnya muncul di baris buku itu. Jika daftarnya panjang, tekan "
        "Naik dan Turun di sampingnya, atau Berikutnya dan Sebelumnya jika tombol itu ada. Di "
        "kanan ada pesanan buku Anda dan denda. Tekan Selesai jika sudah, atau Batal untuk "
        "keluar.",
        "Bantuan ditutup.",
    ]
    assert _in_order(rang(found), [
        "Perpanjang, Kembalikan paling lambat 29 November 2026, tombol, 1 dari 2",
        "Perpanjang semua, tombol, 1 dari 3",  # then My settings, then Finish
        "Kecepatan bicara 4 dari 5",
        "Volume 5 dari 5",
        "Lebih pelan, tombol, 1 dari 4",
        "Volume 4 dari 5",
    ])  # fmt: skip
    assert found["rate_volume"] == [3, 3]
    # Cancel ended the session: voice mode, rate and volume go back for the next patron.
    assert found["after_cancel"] == ["idle", False]
    assert found["rate_volume_after"] == [2, 3]


def test_a_touch_says_a_button_without_pressing_it_and_a_double_tap_presses_it() -> None:
    found = voice("touches", "en")
    assert found["after_hold"] == ["idle", True]  # 2 s anywhere: voice on, nothing pressed
    assert found["after_touch"] == "idle"  # explored, not pressed
    assert found["after_double_tap"] == "borrow.card"
    assert "Borrow, Key 1, Borrow books with your card and PIN, button, 1 of 4" in rang(found)


def test_a_held_key_a_bounce_and_a_double_tap_count_once() -> None:
    found = run_probe("guard", script=SCRIPT)
    assert found["held"] == 150  # F3 held down: one step, not one per repeat
    assert found["twice"] == 200  # F3 twice at once: one step
    assert found["theme"] == "yellow_black"  # F4 right after: not held back
    assert found["typed"] == "7"  # the keypad's 7 tapped twice at once: one digit


def test_the_menus_words_follow_the_theme_when_it_is_switched_live() -> None:
    """White on black once drew the menu's names white on its white buttons: the plain
    text colour's binding won over the button's on-primary colour at the switch."""
    assert run_probe("theme_switch", script=SCRIPT)["wrong"] == []


def test_ctrl_alt_t_opens_the_technician_pin_without_starting_the_voice() -> None:
    found = run_probe("technician_keys", script=SCRIPT)
    assert found["after_combo"] == ["technician.staff_pin", False]
    assert found["after_f2"] == ["idle", "en", False]
    assert found["after_f10"] is True


def test_the_technicians_test_buttons_keep_the_ring_when_pressed_by_keys() -> None:
    found = run_probe("technician_tests_by_keys", script=SCRIPT)
    assert found["screen"] == "technician.status"
    test_print, test_voice, test_scan, close = found["names"]
    assert found["rang"] == [
        test_print, test_voice,  # Enter on Test print, then Down
        test_voice, test_scan,
        test_scan, close,
    ]  # fmt: skip


def test_every_control_on_every_screen_has_a_spoken_name_in_both_languages() -> None:
    found = run_probe("controls", script=SCRIPT, timeout=400)
    assert len(found["visited"]) >= 30
    assert found["unnamed"] == []


def _in_order(items: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` occur in ``items`` in this order (others may come between)."""
    position = 0
    for item in items:
        if position < len(wanted) and item == wanted[position]:
            position += 1
    return position == len(wanted)


def test_returning_by_keys_in_indonesian() -> None:
    found = voice("keys_return", "id")
    assert heard(found) == [
        VOICE_ON_ID,
        *ATTRACT_ID,
        "Mengembalikan buku. Tidak perlu kartu. Pindai buku satu per satu; setiap hasil dan "
        "tempat menaruh buku akan diucapkan. Setelah selesai, pilih Selesai mengembalikan.",
        "Dikembalikan. Letakkan buku ini di troli pengembalian.",
        "Dikembalikan. Letakkan buku ini di troli pengembalian.",  # * : repeat
        "Ringkasan pengembalian. Daftarnya dibacakan, lalu pilih struk atau Selesai.",
        "1 buku dikembalikan.",
        "Layar kembali ke awal dalam 60 detik",
        "1 dari 1 buku dikembalikan",
        "Dikembalikan. Letakkan buku ini di troli pengembalian.",
    ]
    assert rang(found)[-1] == "Selesai mengembalikan, tombol, 14 dari 14"


def test_the_account_and_a_renewal_by_keys_in_english() -> None:
    found = voice("keys_account", "en")
    assert heard(found) == [
        VOICE_ON_EN,
        *ATTRACT_EN,
        "My account and renew. Scan your library card, or type its number and press Enter.",
        "My account and renew",
        "Type your card's PIN, then press Enter. The digits are not spoken.",
        "My account and renew",
        "Card ending in 0027",
        "Your account. Your loans, holds and fines are read out. To renew, move to the Renew "
        "button of a book, or to Renew all. When you are done, choose Finish.",
        "My account:",
        "Opening your account…",
        "1 book on loan.",
        "1 ready to pick up, 1 still in the queue.",
        "You owe nothing.",
        "Renew all",
        "On loan. Due back by 29 November 2026.",
        "Ready to pick up. Pick it up from the holds shelf by 28 November 2026.",
        "In the queue. Number 1 in the queue.",
        "1 book on loan. 1 renewed just now.",
        "Renewed. Renewed until 13 December 2026.",
        "On the left are the books you have borrowed with their due dates; overdue books say "
        "so in words. Press Renew beside a book to renew it, or Renew all. The result appears "
        "on the book's row. If the list is long, press Up and Down beside it, or Next and "
        "Previous where they are shown. On the right are your holds and fines. Press Finish "
        "when you are done, or Cancel to leave.",
        "Help closed.",
    ]
    assert _in_order(rang(found), [
        "Renew, Due back by 29 November 2026, button, 1 of 2",
        "Renew all, button, 1 of 3",
        "Speaking rate 4 of 5",
        "Volume 5 of 5",
        "Quieter, button, 1 of 4",
        "Volume 4 of 5",
    ])  # fmt: skip
    assert found["after_cancel"] == ["idle", False]
