"""Every red-flag rule's id, weight, stage, description (Bahasa Indonesia, English in the
translations) and source. One home: pages, API and docs read it from here."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

KPPU = 'Peraturan KPPU No. 2 Tahun 2010, Pedoman Pasal 22 UU 5/1999 (persekongkolan tender)'
OCP = 'Open Contracting Partnership, "Red flags for integrity" (2016)'
FAZEKAS = 'Fazekas, Tóth & King, corruption-risk indicators (2016)'


@dataclass(frozen=True)
class Rule:
    id: str
    weight: int  # 1 (weak) … 3 (strong)
    # 'deadline': uses bid metadata, after the deadline; 'opening': bid content, after opening;
    # 'decision': needs the winner; 'agency': over an agency's decided tenders.
    needs: str
    description: str
    source: str


RULES = {
    rule.id: rule
    for rule in (
        Rule(
            'RF-IP-SAMA',
            3,
            'deadline',
            _l('Penawaran beberapa penyedia dikirim dari alamat IP yang sama.'),
            KPPU,
        ),
        Rule(
            'RF-PERANGKAT',
            2,
            'deadline',
            _l(
                'Penawaran beberapa penyedia dikirim dengan user agent sama dari jaringan /24 sama.'
            ),
            KPPU,
        ),
        Rule(
            'RF-WAKTU-RAPAT',
            2,
            'deadline',
            _l('Penawaran beberapa penyedia masuk berdekatan (≤ 60 detik) menjelang batas akhir.'),
            KPPU,
        ),
        Rule(
            'RF-DATA-SAMA',
            3,
            'deadline',
            _l('Peserta berbagi direktur/pemilik, NIK, telepon, e-mail, alamat atau rekening.'),
            KPPU,
        ),
        Rule(
            'RF-BERKAS-SAMA',
            3,
            'opening',
            _l('Lampiran beberapa penyedia memiliki hash berkas yang sama.'),
            KPPU,
        ),
        Rule(
            'RF-META-PDF',
            2,
            'opening',
            _l('PDF beberapa penyedia bermetadata sama (author, creator, producer, waktu dibuat).'),
            KPPU,
        ),
        Rule(
            'RF-HARGA-SATUAN',
            3,
            'opening',
            _l('Beberapa penyedia menawarkan harga satuan yang identik pada beberapa baris BoQ.'),
            KPPU,
        ),
        Rule(
            'RF-HPS-DEKAT', 1, 'decision', _l('Harga pemenang berada dalam 1 persen dari HPS.'), OCP
        ),
        Rule(
            'RF-PENDAMPING',
            2,
            'decision',
            _l('Semua penawaran kalah hanya sedikit (≤ 5 persen) di atas pemenang (pendamping).'),
            OCP,
        ),
        Rule(
            'RF-PENAWAR-TUNGGAL',
            2,
            'deadline',
            _l('Hanya satu penyedia yang memasukkan penawaran.'),
            FAZEKAS,
        ),
        Rule(
            'RF-WAKTU-SINGKAT',
            1,
            'deadline',
            _l('Masa pemasukan penawaran lebih singkat dari batas minimum.'),
            FAZEKAS,
        ),
        Rule(
            'RF-JADWAL-UBAH',
            2,
            'deadline',
            _l('Batas akhir pemasukan penawaran diubah setelah penawaran masuk.'),
            FAZEKAS,
        ),
        Rule(
            'RF-GUGUR-ADMIN',
            2,
            'decision',
            _l('Penawaran yang lebih rendah dari pemenang digugurkan pada evaluasi administrasi.'),
            OCP,
        ),
        Rule(
            'RF-ROTASI',
            3,
            'agency',
            _l('Kelompok penyedia yang sama bergiliran menang di satu instansi.'),
            KPPU,
        ),
    )
}

# What each kind of evidence is, in words (the code stays in the API and the exports); the
# values of the percentage kinds are read as percentages.
EVIDENCE_LABELS = {
    'ip': _l('Alamat IP'),
    'network+user_agent': _l('Jaringan (/24) dan peramban'),
    'seconds': _l('Selisih waktu (detik)'),
    'phone': _l('Telepon (9 angka terakhir)'),
    'email': _l('Email'),
    'address': _l('Alamat dan kota'),
    'bank_account': _l('Rekening bank'),
    'director_nik': _l('NIK direktur/pemilik'),
    'director_name': _l('Nama direktur/pemilik'),
    'sha256': _l('Hash berkas (SHA-256, awal)'),
    'pdf_metadata': _l('Metadata PDF'),
    'boq_lines': _l('Baris BoQ berharga satuan sama'),
    'percent_of_hps': _l('Harga pemenang terhadap HPS'),
    'percent_above_winner': _l('Selisih harga tertinggi di atas pemenang'),
    'bidders': _l('Jumlah penawar'),
    'hours': _l('Masa pemasukan penawaran (jam)'),
    'deadline': _l('Batas akhir penawaran (lama → baru)'),
    'disqualified_lower': _l('Penawaran lebih rendah yang digugurkan'),
    'winners': _l('Jumlah pemenang berbeda dalam kelompok'),
}
PERCENT_KINDS = frozenset({'percent_of_hps', 'percent_above_winner'})
