"""Plain tender test data: a fixed moment, a valid schedule, a draft's fields."""

from datetime import UTC, datetime, timedelta

from helpers import PASSWORD

from lpse.tenders.stages import Stage, Window

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 WITA
PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
# Offsets (hours from the announcement start) of a valid schedule in which every stage is,
# at its own start + 30 minutes, the current stage.
OFFSETS = {
    Stage.announcement: (0, 48),
    Stage.download: (1, 120),
    Stage.clarification: (48, 72),
    Stage.bid_submission: (72, 144),
    Stage.bid_opening: (144, 168),
    Stage.evaluation: (168, 216),
    Stage.qualification_proof: (192, 216),
    Stage.winner_decision: (216, 240),
    Stage.winner_announcement: (240, 264),
    Stage.objection: (264, 384),
    Stage.award: (384, 408),
    Stage.contract: (408, 432),
}


# A prequalified method's schedule: the prequalification inside the announcement's two days,
# every later stage two days after its post-qualification place.
PREQUALIFIED_OFFSETS = {
    Stage.announcement: (0, 48),
    Stage.qualification_submission: (1, 12),
    Stage.qualification_evaluation: (12, 24),
    Stage.qualification_announcement: (24, 36),
    Stage.qualification_objection: (36, 48),
    **{s: (a + 48, b + 48) for s, (a, b) in OFFSETS.items() if s != Stage.announcement},
}


def offsets_for(stages) -> dict:
    """The offsets of a method's stages (a prequalified method's when it has them)."""
    offsets = PREQUALIFIED_OFFSETS if Stage.qualification_submission in stages else OFFSETS
    return {s: w for s, w in offsets.items() if s in stages}


def schedule_at(base, offsets=OFFSETS):
    return {
        s: Window(base + timedelta(hours=a), base + timedelta(hours=b))
        for s, (a, b) in offsets.items()
    }


def login(client, email, password=PASSWORD):
    return client.post('/auth/login', data={'email': email, 'password': password})


def draft_data(cast, **changes):
    data = {
        'title': 'Pembangunan Jalan Lingkar Utara',
        'description': 'Peningkatan jalan lingkar utara sepanjang 2 km termasuk drainase.',
        'category': 'pekerjaan_konstruksi',
        'selection_method': 'tender',
        'contract_type': 'unit_price',
        'work_unit': 'DPU',
        'funding_source': 'APBD Kota Uji 2026',
        'fiscal_year': 2026,
        'pagu': '1600000000',
        'hps': '1500000000',
        'business_size': 'non_kecil',
        'location': 'Kota Uji',
        'ppk': cast['ppk'].id,
        'pokja': [cast['pokja'].id, cast['pokja2'].id, cast['pokja3'].id],
        'evaluation_method': 'lowest_price',
        'method_params': {},
        'boq': [
            {
                'description': 'Galian tanah',
                'quantity': '1000',
                'unit': 'm3',
                'unit_price': '500000',
            },
            {
                'description': 'Lapis aspal',
                'quantity': '2000',
                'unit': 'm2',
                'unit_price': '500000',
            },
        ],
    }
    return data | changes
