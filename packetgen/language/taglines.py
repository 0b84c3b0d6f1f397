"""Interpreter taglines: "you have the right to a free interpreter", in the patient's own language.

A patient whose language has no packet gets the packet's notice in its language (English) and,
beside it, this tagline in theirs: the 15 languages most spoken in the United States after English
(American Community Survey: Spanish, Chinese, Tagalog, Vietnamese, Arabic, French, Korean, Russian,
German, Haitian Creole, Hindi, Portuguese, Italian, Polish, Urdu), then Japanese, Persian and
Somali (for the Somali communities many US hospitals serve). Chinese has both scripts.

REVIEW: PENDING. These were written for this project, not by certified medical translators; a
qualified translator must review each before clinical use (as for `review: pending` in content).
"""

from __future__ import annotations

from babel import negotiate_locale

REVIEW = "pending"
"""Whether a qualified medical translator has reviewed these taglines (`approved`) or not."""

TAGLINES: dict[str, str] = {
    "es": (
        "Tiene derecho a un intérprete gratis. Pídalo a su equipo de atención antes de leer o firmar "
        "cualquier documento."
    ),
    "zh-Hans": "您有权免费获得口译服务。在阅读或签署任何文件之前，请向您的医护团队提出。",
    "zh-Hant": "您有權免費獲得口譯服務。在閱讀或簽署任何文件之前，請向您的醫護團隊提出。",
    "tl": (
        "May karapatan kayo sa libreng tagasalin (interpreter). Humingi nito sa inyong care team bago "
        "kayo magbasa o pumirma ng anumang dokumento."
    ),
    "vi": (
        "Quý vị có quyền được thông dịch viên miễn phí. Hãy yêu cầu nhóm chăm sóc của quý vị trước khi "
        "đọc hoặc ký bất cứ giấy tờ nào."
    ),
    "ar": ("يحق لك مترجم فوري مجاني. اطلبه من فريق الرعاية قبل أن تقرأ أو توقع أي شيء."),
    "fr": (
        "Vous avez droit à un interprète gratuit. Demandez-le à votre équipe soignante avant de lire "
        "ou de signer quoi que ce soit."
    ),
    "ko": ("귀하는 무료 통역 서비스를 받을 권리가 있습니다. 어떤 서류든 읽거나 서명하기 전에 의료진에게 요청하십시오."),
    "ru": (
        "Вы имеете право на бесплатного переводчика. Попросите о нём вашу медицинскую команду, прежде "
        "чем читать или подписывать какие-либо документы."
    ),
    "de": (
        "Sie haben Anspruch auf einen kostenlosen Dolmetscher. Bitten Sie Ihr Behandlungsteam darum, "
        "bevor Sie etwas lesen oder unterschreiben."
    ),
    "ht": ("Ou gen dwa jwenn yon entèprèt gratis. Mande ekip swen ou a youn anvan ou li oswa siyen nenpòt dokiman."),
    "hi": ("आपको मुफ़्त दुभाषिया पाने का अधिकार है। कुछ भी पढ़ने या हस्ताक्षर करने से पहले अपनी देखभाल टीम से दुभाषिया माँगें।"),
    "pt": (
        "Você tem direito a um intérprete gratuito. Peça um à sua equipe de saúde antes de ler ou "
        "assinar qualquer documento."
    ),
    "it": (
        "Lei ha diritto a un interprete gratuito. Lo chieda al Suo team di assistenza prima di leggere "
        "o firmare qualsiasi documento."
    ),
    "pl": (
        "Ma Pan/Pani prawo do bezpłatnego tłumacza. Proszę poprosić o niego zespół opieki przed "
        "przeczytaniem lub podpisaniem jakichkolwiek dokumentów."
    ),
    "ur": ("آپ کو مفت ترجمان کا حق حاصل ہے. کچھ بھی پڑھنے یا دستخط کرنے سے پہلے اپنی نگہداشت کی ٹیم سے ترجمان مانگیں."),
    "ja": (
        "あなたには無料で通訳を受ける権利があります。書類を読んだり署名したりする前に、医療チームに依頼してください。"
    ),
    "fa": (
        "شما حق دارید بطور رایگان از مترجم شفاهی استفاده کنید. "
        "پیش از خواندن یا امضای هر مدرکی، از تیم مراقبت خود بخواهید."
    ),
    "so": (
        "Waxaad xaq u leedahay turjubaan bilaash ah. Ka codso kooxda daryeelkaaga ka hor intaadan "
        "akhrin ama saxiixin wax dukumeenti ah."
    ),
}

RIGHT_TO_LEFT = frozenset({"ar", "ur", "fa"})
"""Taglines written right to left: laid out line by line, each line then put in drawing order."""

SHAPED = frozenset({"hi"})
"""Taglines in scripts whose letters combine (Devanagari): shaped by HarfBuzz, and only those: shaping
other text would change it for nothing (and ReportLab cannot shape every font, Atkinson Hyperlegible)."""

_CHINESE_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def tagline_for(language: str) -> tuple[str, str] | None:
    """(tag, tagline) for a patient's BCP 47 language tag, or None when there is none."""
    lowered = language.lower()
    if lowered.startswith("zh"):
        tag = "zh-Hant" if lowered.startswith(_CHINESE_TRADITIONAL) else "zh-Hans"
        return tag, TAGLINES[tag]
    chosen = negotiate_locale([language], [t for t in TAGLINES if not t.startswith("zh")], sep="-")
    return (chosen, TAGLINES[chosen]) if chosen else None
