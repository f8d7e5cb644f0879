"""Word lists for the demo library: real books with their authors, and name pools.

Plain data, no logic. Generated non-fiction titles are credited to invented authors (built
from the name pools) so no real person is credited with a book they did not write.
"""

from __future__ import annotations

INDONESIAN_BOOKS: tuple[tuple[str, str], ...] = (
    ("Bumi Manusia", "Pramoedya Ananta Toer"),
    ("Anak Semua Bangsa", "Pramoedya Ananta Toer"),
    ("Jejak Langkah", "Pramoedya Ananta Toer"),
    ("Rumah Kaca", "Pramoedya Ananta Toer"),
    ("Gadis Pantai", "Pramoedya Ananta Toer"),
    ("Laskar Pelangi", "Andrea Hirata"),
    ("Sang Pemimpi", "Andrea Hirata"),
    ("Edensor", "Andrea Hirata"),
    ("Maryamah Karpov", "Andrea Hirata"),
    ("Cinta di Dalam Gelas", "Andrea Hirata"),
    ("Hafalan Shalat Delisa", "Tere Liye"),
    ("Bumi", "Tere Liye"),
    ("Bulan", "Tere Liye"),
    ("Matahari", "Tere Liye"),
    ("Rindu", "Tere Liye"),
    ("Pulang", "Tere Liye"),
    ("Negeri Para Bedebah", "Tere Liye"),
    ("Supernova: Ksatria, Puteri, dan Bintang Jatuh", "Dee Lestari"),
    ("Perahu Kertas", "Dee Lestari"),
    ("Filosofi Kopi", "Dee Lestari"),
    ("Rectoverso", "Dee Lestari"),
    ("Aroma Karsa", "Dee Lestari"),
    ("Ronggeng Dukuh Paruk", "Ahmad Tohari"),
    ("Kubah", "Ahmad Tohari"),
    ("Bekisar Merah", "Ahmad Tohari"),
    ("Laut Bercerita", "Leila S. Chudori"),
    ("Pulang", "Leila S. Chudori"),
    ("Cantik Itu Luka", "Eka Kurniawan"),
    ("Lelaki Harimau", "Eka Kurniawan"),
    ("Seperti Dendam, Rindu Harus Dibayar Tuntas", "Eka Kurniawan"),
    ("Saman", "Ayu Utami"),
    ("Larung", "Ayu Utami"),
    ("Hujan Bulan Juni", "Sapardi Djoko Damono"),
    ("Duka-Mu Abadi", "Sapardi Djoko Damono"),
    ("Deru Campur Debu", "Chairil Anwar"),
    ("Tenggelamnya Kapal Van der Wijck", "Buya Hamka"),
    ("Di Bawah Lindungan Ka'bah", "Buya Hamka"),
    ("Pada Sebuah Kapal", "N. H. Dini"),
    ("Layar Terkembang", "Sutan Takdir Alisjahbana"),
    ("Siti Nurbaya", "Marah Rusli"),
    ("Salah Asuhan", "Abdoel Moeis"),
    ("Atheis", "Achdiat K. Mihardja"),
    ("Harimau! Harimau!", "Mochtar Lubis"),
    ("Senja di Jakarta", "Mochtar Lubis"),
    ("Burung-Burung Manyar", "Y. B. Mangunwijaya"),
    ("Ayat-Ayat Cinta", "Habiburrahman El Shirazy"),
    ("Negeri 5 Menara", "Ahmad Fuadi"),
    ("Ranah 3 Warna", "Ahmad Fuadi"),
    ("Amba", "Laksmi Pamuntjak"),
    ("Sejarah Indonesia Modern 1200-2008", "M. C. Ricklefs"),
    ("Madilog", "Tan Malaka"),
    ("Habis Gelap Terbitlah Terang", "R. A. Kartini"),
    ("Catatan Seorang Demonstran", "Soe Hok Gie"),
    ("Filosofi Teras", "Henry Manampiring"),
)

ENGLISH_BOOKS: tuple[tuple[str, str], ...] = (
    ("To Kill a Mockingbird", "Harper Lee"),
    ("Nineteen Eighty-Four", "George Orwell"),
    ("Animal Farm", "George Orwell"),
    ("Pride and Prejudice", "Jane Austen"),
    ("The Old Man and the Sea", "Ernest Hemingway"),
    ("The Great Gatsby", "F. Scott Fitzgerald"),
    ("Things Fall Apart", "Chinua Achebe"),
    ("One Hundred Years of Solitude", "Gabriel García Márquez"),
    ("The Hobbit", "J. R. R. Tolkien"),
    ("Charlotte's Web", "E. B. White"),
    ("Matilda", "Roald Dahl"),
    ("Charlie and the Chocolate Factory", "Roald Dahl"),
    ("The Little Prince", "Antoine de Saint-Exupéry"),
    ("Sapiens: A Brief History of Humankind", "Yuval Noah Harari"),
    ("A Brief History of Time", "Stephen Hawking"),
    ("The Diary of a Young Girl", "Anne Frank"),
    ("Frankenstein", "Mary Shelley"),
    ("Jane Eyre", "Charlotte Brontë"),
    ("Lord of the Flies", "William Golding"),
    ("Of Mice and Men", "John Steinbeck"),
    ("The Jungle Book", "Rudyard Kipling"),
    ("This Earth of Mankind", "Pramoedya Ananta Toer"),
    ("The Rainbow Troops", "Andrea Hirata"),
    ("Beauty Is a Wound", "Eka Kurniawan"),
    ("Wonder", "R. J. Palacio"),
    ("The Very Hungry Caterpillar", "Eric Carle"),
    ("Educated", "Tara Westover"),
    ("Atomic Habits", "James Clear"),
    ("On the Origin of Species", "Charles Darwin"),
    ("Treasure Island", "Robert Louis Stevenson"),
)

REFERENCE_BOOKS: tuple[tuple[str, str], ...] = (
    ("Kamus Besar Bahasa Indonesia", "Badan Pengembangan dan Pembinaan Bahasa"),
    ("Kamus Inggris-Indonesia", "John M. Echols dan Hassan Shadily"),
    ("Atlas Indonesia dan Dunia", "Tim Kartografi Nusantara"),
    ("Ensiklopedia Flora dan Fauna Indonesia", "Tim Penyusun Ensiklopedia"),
    ("Oxford Advanced Learner's Dictionary", "Oxford University Press"),
)

# Templates for generated titles; "{}" takes one word from the matching list.
INDONESIAN_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Sejarah Kota {}", ("Jakarta", "Yogyakarta", "Surabaya", "Makassar", "Medan", "Semarang")),
    ("Resep Masakan {}", ("Nusantara", "Padang", "Sunda", "Manado", "Bali", "Betawi")),
    ("Cerita Rakyat dari {}", ("Sumatera Barat", "Jawa Tengah", "Kalimantan", "Maluku", "Papua")),
    ("Si Kancil dan {}", ("Buaya", "Harimau", "Siput", "Gajah")),
    ("Mengenal {}", ("Tata Surya", "Hewan Laut", "Gunung Berapi", "Batik Indonesia", "Rempah")),
    ("Panduan {}", ("Berkebun Sayur di Pekarangan", "Budidaya Ikan Lele", "Menjahit untuk Pemula")),
    ("Belajar {}", ("Bahasa Inggris untuk Pemula", "Pemrograman Python", "Matematika Dasar")),
)
CHILDREN_FOLK_TALES: tuple[str, ...] = (
    "Malin Kundang",
    "Bawang Merah Bawang Putih",
    "Timun Mas",
    "Sangkuriang",
    "Keong Mas",
    "Lutung Kasarung",
    "Asal Usul Danau Toba",
)
ENGLISH_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("A Beginner's Guide to {}", ("Birdwatching", "Photography", "Gardening", "Chess")),
    ("Introduction to {}", ("Statistics", "Marine Biology", "Economics", "Programming")),
    ("The Story of {}", ("Rice", "Spices", "the Ocean", "Volcanoes")),
)
ENGLISH_AUTHORS: tuple[str, ...] = (
    "Sarah Mitchell",
    "David Harrington",
    "Emily Carter",
    "James Whitfield",
    "Hannah Brooks",
    "Michael Osei",
    "Laura Bennett",
)

# Patron name pools by tradition. Entries are whole names, or (given names, surnames).
JAVANESE_SINGLE: tuple[str, ...] = (
    "Sutrisno", "Suparman", "Sumarni", "Mulyono", "Sukardi", "Suwarni", "Paijo", "Ngatini",
)  # fmt: skip
JAVANESE: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Budi", "Agus", "Joko", "Bambang", "Slamet", "Heru", "Eko", "Wahyu"),
    ("Santoso", "Susilo", "Setiawan", "Prasetyo", "Riyadi", "Purnomo", "Utomo", "Nugroho"),
)
JAVANESE_WOMEN: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Sri", "Endang", "Puji", "Rini", "Dwi", "Yuli", "Tri"),
    ("Wahyuni", "Lestari", "Rahayu", "Handayani", "Astuti", "Suryani", "Wulandari"),
)
SUNDANESE: tuple[str, ...] = (
    "Asep Saepudin", "Ujang Sunarya", "Cecep Supriatna", "Euis Komariah", "Neng Yulianti",
    "Dadang Hermawan", "Yayat Suryana", "Iis Sumiati", "Ade Kurniawan", "Entin Kartini",
)  # fmt: skip
BATAK: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Ruth", "Josua", "Maria", "Daniel", "Rotua", "Togar", "Sahat", "Lamhot", "Debora", "Samuel"),
    ("Simanjuntak", "Siregar", "Nasution", "Hutapea", "Sitompul", "Panjaitan", "Lubis",
     "Harahap", "Sinaga", "Pardede", "Situmorang", "Nainggolan"),
)  # fmt: skip
MINANG: tuple[str, ...] = (
    "Yusrizal", "Afrizal", "Zulkifli", "Rina Oktavia", "Yulia Rahmi", "Afdal Hakim",
    "Nofri Yanti", "Fadli Syafri", "Rahmi Elfira",
)  # fmt: skip
BALINESE_MEN: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("I Wayan", "I Made", "I Nyoman", "I Ketut", "I Gede", "I Komang"),
    ("Sudarsana", "Sukerta", "Suarta", "Darmawan", "Artawan", "Mahendra"),
)
BALINESE_WOMEN: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Ni Wayan", "Ni Made", "Ni Nyoman", "Ni Ketut", "Ni Luh", "Ni Komang"),
    ("Ariani", "Widiastuti", "Sriani", "Ayu Lestari", "Suartini", "Purnamasari"),
)
CHINESE_INDONESIAN: tuple[str, ...] = (
    "Lie Mei Ling", "Budi Hartono", "Susanti Wijaya", "Kevin Tanoto", "Felicia Halim",
    "Yohanes Salim", "Linda Kusuma", "Steven Tjahjadi", "Tan Mei Hwa", "Lim Kok Wei",
)  # fmt: skip
MUSLIM: tuple[str, ...] = (
    "Nur Aisyah", "Ahmad Fauzi", "Fatimah Azzahra", "Abdul Rahman", "Annisa Rahmawati",
    "Muhammad Iqbal", "Rizky Ramadhan", "Putri Ayu Lestari", "Nurul Hidayah", "Fajar Nugroho",
    "Andi Muhammad Arif", "Siti Khadijah", "Hasan Basri", "Aminah Zahra",
)  # fmt: skip
EASTERN: tuple[str, ...] = (
    "Stevanus Lumowa", "Grace Mandagi", "Yosef Pattinasarany", "Maria Goreti Bria",
    "Yakobus Wenda", "Theresia Rumbiak",
)  # fmt: skip
