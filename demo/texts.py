"""Policy texts of the four fictional demo sites. Written for Palimpsest; every name and domain is invented.

Each text is a list of blocks: ``("h", heading)``, ``("p", paragraph)`` or ``("ul", [items])``. Pages render
them in different layouts (demo/pages.py); the texts, not the layouts, decide what a version is.
"""

from __future__ import annotations

Block = tuple[str, object]

# --- Lantern Books: an online bookshop. Redesign with the same text, then two real changes. -------------------

LANTERN_2011: list[Block] = [
    ("h", "Lantern Books Privacy Notice"),
    (
        "p",
        "Lantern Books sells new and second-hand books by post from our shop in Harrowgate Lane. This notice "
        "explains what we learn about you when you browse our catalogue or place an order, and what we do "
        "with it.",
    ),
    ("h", "What we collect"),
    (
        "ul",
        [
            "Your name, postal address and e-mail address when you order.",
            "The titles you buy, so that we can send them and handle returns.",
            "Card details, which go straight to our payment processor and never touch our servers.",
        ],
    ),
    ("h", "How we use it"),
    (
        "p",
        "We use your details to deliver your books and to answer your questions. If you tick the box at "
        "checkout, we send a short letter each season about new arrivals. We never sell or rent our "
        "mailing list.",
    ),
    ("h", "Contact"),
    (
        "p",
        "Write to the Privacy Desk, Lantern Books, 14 Harrowgate Lane, or e-mail privacy@lanternbooks.example.",
    ),
]

LANTERN_2018: list[Block] = [
    ("h", "Lantern Books Privacy Notice"),
    (
        "p",
        "Lantern Books sells new and second-hand books by post from our shop in Harrowgate Lane. This notice "
        "explains what personal data we process when you browse our catalogue or place an order, why we "
        "process it, and the rights you have over it.",
    ),
    ("h", "What we collect"),
    (
        "ul",
        [
            "Your name, postal address and e-mail address when you order.",
            "The titles you buy, so that we can send them and handle returns.",
            "Card details, which go straight to our payment processor and never touch our servers.",
            "Basic analytics about which catalogue pages are visited, without advertising identifiers.",
        ],
    ),
    ("h", "Legal basis and retention"),
    (
        "p",
        "We process order details to perform our contract with you and keep them for six years for tax "
        "purposes. We send the seasonal letter only with your consent, which you may withdraw at any time.",
    ),
    ("h", "Your rights"),
    (
        "p",
        "You may ask for a copy of your data, its correction or its erasure, and you may complain to your "
        "data protection authority.",
    ),
    ("h", "Contact"),
    (
        "p",
        "Write to the Privacy Desk, Lantern Books, 14 Harrowgate Lane, or e-mail privacy@lanternbooks.example.",
    ),
]

LANTERN_2021: list[Block] = [
    *LANTERN_2018[:-1],
    ("h", "Audiobooks"),
    (
        "p",
        "If you stream audiobooks from us, we record how far you have listened so that you can resume on "
        "another device. We delete listening positions ninety days after you finish a book.",
    ),
    LANTERN_2018[-1],
]

# --- Kumo Mail: a Japanese webmail service. Shift_JIS, then UTF-8 with the same text, then a change. ------------

KUMO_2012: list[Block] = [
    ("h", "くもメール 個人情報保護方針"),
    (
        "p",
        "株式会社くもメール（以下「当社」）は、お客様の個人情報を大切に扱います。本方針は、当社が提供する"
        "ウェブメールサービスにおける個人情報の取り扱いについて定めるものです。",
    ),
    ("h", "取得する情報"),
    (
        "ul",
        ["氏名、メールアドレス及びパスワード", "ログインの日時及び接続元のIPアドレス", "お問い合わせの内容"],
    ),
    ("h", "利用目的"),
    (
        "p",
        "取得した情報は、サービスの提供、不正利用の防止及びお問い合わせへの回答のために利用します。"
        "法令に基づく場合を除き、ご本人の同意なく第三者に提供することはありません。",
    ),
    ("h", "お問い合わせ窓口"),
    ("p", "個人情報に関するお問い合わせは、サポート窓口（support@kumomail.example）までご連絡ください。"),
]

KUMO_2018: list[Block] = [
    *KUMO_2012[:6],
    ("h", "クッキーの利用"),
    (
        "p",
        "当社は、ログイン状態の保持及び利用状況の分析のためにクッキーを利用します。ブラウザの設定により"
        "クッキーを無効にできますが、一部の機能がご利用いただけなくなる場合があります。",
    ),
    ("h", "第三者提供"),
    (
        "p",
        "当社は、広告配信事業者に対し、氏名やメールアドレスを含まない形で利用状況の統計情報を提供することがあります。",
    ),
    *KUMO_2012[6:],
]

# --- Fjord Fitness: a fitness app. Div-only pages, then a move to a new URL by an archived 301. -----------------

FJORD_2013: list[Block] = [
    ("h", "Fjord Fitness Privacy Policy"),
    (
        "p",
        "Fjord Fitness makes a running and rowing app for people who train outdoors. We collect as little as "
        "we can and keep it for as short a time as we can.",
    ),
    ("h", "Workout data"),
    (
        "p",
        "The app records the distance, duration and route of each workout you save. Routes stay on your "
        "phone unless you choose to back them up to your Fjord account.",
    ),
    ("h", "Account data"),
    ("p", "Your account holds your e-mail address, your display name and your training goals."),
    ("h", "Sharing"),
    ("p", "We do not share your data with anyone except the hosting company that runs our servers."),
]

FJORD_2016: list[Block] = [
    *FJORD_2013[:6],
    ("h", "Heart rate"),
    (
        "p",
        "If you pair a heart-rate strap, the app stores your heart rate during each workout. Heart rate is "
        "health data, and we never use it for anything but your own training charts.",
    ),
    ("h", "Sharing"),
    (
        "p",
        "We share workout summaries with clubs you join in the app, and nothing with anyone else except the "
        "hosting company that runs our servers.",
    ),
]

FJORD_2019: list[Block] = [
    *FJORD_2016[:-1],
    (
        "p",
        "We share workout summaries with clubs you join in the app. With your consent, we also share "
        "anonymised route heatmaps with city planners, who use them to plan cycle and running paths.",
    ),
    ("h", "Deleting your account"),
    (
        "p",
        "You can delete your account from the app's settings. We erase your workouts within thirty days and "
        "our backups within ninety.",
    ),
]

FJORD_DRAFT: list[Block] = [
    ("h", "Legal"),
    (
        "p",
        "This page is a draft for our new website and is not yet in force. Our current privacy policy is at "
        "fjordfit.example/privacy.html.",
    ),
]

# --- Pebble Weather: a weather app. Typographic UTF-8 text, a mojibake trap, a change and its reversal. ---------

PEBBLE_2014: list[Block] = [
    ("h", "Pebble Weather — Privacy"),
    (
        "p",
        "Pebble Weather shows the forecast for where you are. To do that, the app needs your location — but "
        "only roughly, and only while you’re looking at the forecast.",
    ),
    ("h", "Location"),
    (
        "p",
        "We round your position to about ten kilometres before it leaves your phone. We don’t keep a history "
        "of where you’ve been, and we don’t share your location with anyone.",
    ),
    ("h", "Crash reports"),
    (
        "p",
        "If the app crashes, it sends us a report with the phone model and the app version. Reports never "
        "include your location.",
    ),
    ("h", "Questions"),
    ("p", "Ask us anything at privacy@pebbleweather.example — our café-sized team answers every message."),
]

PEBBLE_2016: list[Block] = [
    ("h", "Pebble Weather — Privacy"),
    (
        "p",
        "Pebble Weather shows the forecast for where you are. To do that, the app uses your precise location, "
        "including in the background, so that it can warn you about storms before they reach you.",
    ),
    ("h", "Location"),
    (
        "p",
        "We keep a history of your precise locations for twelve months and share it with our advertising "
        "partners, who use it to show you ads for nearby shops.",
    ),
    PEBBLE_2014[4],
    PEBBLE_2014[5],
    PEBBLE_2014[6],
    PEBBLE_2014[7],
]
