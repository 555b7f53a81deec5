"""What the bot can be asked, declared once: every concept a question may be about, with its
English and French words, the entry kinds and figures that answer it, and the words of question
structure (answer types, order, succession, superlatives, small talk).

Every other module asks this one: `query` reads questions with it, `rank` scores entries by
it, `derive` and `decide` pick answers with it, and `pictures` and `suite` take the kinds of
entry that close a camp from it. Words here are folded and de-pluralised, as `text.terms`
gives them, and canonical (after the knowledge's aliases and vocabulary).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bot.models import ERA
from bot.text import stem

# The era the knowledge covers (entries outside it are refused by `check`): a question about a
# later year asks about a time when the mission no longer existed.
ERA_END = dt.date(ERA[1], 12, 31)

AnswerType = Literal["when", "who", "how_many", "where", "why", "which", "what"]

# --- The mission's scope, and talk that is not a question ------------------------------------

# Words naming the bot's own scope. Every question is about MINUSMA in Mali, so they never tell
# entries apart, however rarely a large knowledge base happens to repeat them.
SCOPE_WORDS = frozenset("minusma mali malian malien mission onu un".split())
# Kept apart so a greeting alone is recognised as small talk rather than an unknown question.
GREETINGS = frozenset(
    """
    hi hello hey hiya yo hallo howdy greetings morning evening afternoon good thanks thank thx ty
    cheers bye goodbye ok okay cool great nice bonjour bonsoir salut coucou merci hola ciao
    help aide lol
    """.split()
)
THANKS = frozenset("thanks thank thx ty cheers merci".split())
# Words that go with a greeting or thanks and ask nothing ("merci beaucoup", "bonsoir, j'ai une
# question", "ok thanks a lot", "hello, how are you?"): with only these, a message is small talk.
SMALLTALK_WORDS = frozenset(
    """
    lot much so very really tres beaucoup bien question questions quick petite small ask
    something anything again encore everyone everybody all tout monde there guys folks sir
    madam madame monsieur bot friend ami amie appreciate appreciated great awesome perfect
    super parfait genial top va ca allez going fine well doing nice day journee soiree night
    nuit see later plus tard tchao yes yeah yep no nope oui non d accord daccord alright
    right sure got understood compris note noted vu bravo excellent helpful useful utile
    wonderful welcome bienvenue hmm hm ah oh wow haha lol mdr xd
    """.split()
)

# --- Kinds of entry that mean one thing -------------------------------------------------------

# A camp closing: the kinds of event that close one of the mission's sites. Pictures, the
# suite, "the last camp to close" and "when did MINUSMA leave X?" all read this.
CAMP_CLOSING_KINDS = ("camp-closure", "handover")
# The word for one of the mission's sites ("base", "site" and "camp" in French are its aliases):
# it fixes a closing to the camps and is what "how many camps" counts.
CAMP_WORD = "camp"
# The withdrawal's chronology: closures, handovers and the withdrawal's own milestones.
WITHDRAWAL_KINDS = ("camp-closure", "handover", "withdrawal")
# What answers "when did MINUSMA leave X?": a closure, or a contingent going home.
LEAVING_KINDS = ("camp-closure", "handover", "withdrawal", "contingent")

# --- Question structure and topics ---------------------------------------------------------

# What makes a question compare two things ("which closed first, A or B?", "did A close before
# B?"); "first" or "last" alone does not ("when did the last convoy from Kidal reach Gao?").
ORDER_WORDS = frozenset(
    "first earlier earliest before sooner after later latest last premier premiere avant apres "
    "dernier derniere plus tot tard".split()
)
AFTER_WORDS = frozenset("after since following apres depuis".split())
BEFORE_WORDS = frozenset("before until till prior avant jusqu".split())
GENERIC_WORDS = SCOPE_WORDS | {"event", "news", "happen", "regarding", "concerning", "about",
                               "concernant", "sujet"}
HAPPEN_WORDS = frozenset("happen happened happens happening occur occurred passe passee "
                    "events event".split())



@dataclass(frozen=True)
class Concept:
    """A concept a question can be about, named by canonical terms (after aliases).

    `kinds` are the event kinds that answer it, best first; the first `defining` of them are
    that topic by definition (a handover *is* leaving), so an entry of such a kind covers the
    topic's words. A strict topic rules out entries of other kinds; a loose one ("when did it
    start?", "when did it end?") only says which kinds fit best.
    """

    triggers: frozenset[str]
    kinds: tuple[str, ...]
    defining: int
    strict: bool
    # Where one of its words names a narrower kind ("closed": a camp closure, "handed": a
    # handover), the kinds a first or last is taken among for that word.
    narrower: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where one of its words is covered only by some of its defining kinds ("appointed": an
    # appointment, not a departure).
    covers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where one word fixes the kinds whatever else is said ("the first *camp* closed in the
    # withdrawal": a camp closing, not a national force's withdrawal).
    fixed: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The kinds of entry that happen once to a thing: of several closings of one place (Camp
    # Castor in December 2023, the Gao camp in July 2024), the last is when the mission left it.
    latest_wins: tuple[str, ...] = ()
    # Words an entry of its kinds covers when this concept is asked: a request *is* about the
    # thing requested ("when did Mali ask MINUSMA to leave?": a request to withdraw).
    objects: frozenset[str] = frozenset()

    def covered_by(self, word: str) -> tuple[str, ...]:
        return dict(self.covers).get(word, self.defined_by)

    @property
    def defined_by(self) -> tuple[str, ...]:
        return self.kinds[: self.defining]

    def kinds_for(self, words: set[str]) -> tuple[str, ...]:
        fixed = next((kinds for word, kinds in self.fixed if word in words), None)
        if fixed is not None:
            return fixed
        named = [kinds for word, kinds in self.narrower if word in words]
        if not named:
            return self.defined_by
        return tuple(dict.fromkeys(k for kinds in named for k in kinds))


TOPICS: dict[str, Concept] = {
    "closure": Concept(frozenset({"closed", "handed", "withdrawal"}),
                     ("camp-closure", "handover", "withdrawal", "contingent", "leadership"), 3,
                     True, (("closed", CAMP_CLOSING_KINDS),
                            ("handed", ("handover", "camp-closure")),
                            ("withdrawal", ("withdrawal", "camp-closure"))),
                     fixed=((CAMP_WORD, CAMP_CLOSING_KINDS),), latest_wins=CAMP_CLOSING_KINDS),
    "attack": Concept(frozenset({"attack", "ied", "rocket", "suicide", "bomb", "explosion",
                               "ambush"}), ("attack", "incident"), 1, True),
    "casualties": Concept(frozenset({"killed", "toll", "wounded"}),
                        ("attack", "incident", "casualties", "contingent"), 0, False),
    "mandate": Concept(frozenset({"mandate", "resolution", "ceiling"}), ("mandate",), 1, True),
    "leadership": Concept(frozenset({"head", "commander", "appointed"}),
                        ("appointment", "leadership"), 2, True,
                        covers=(("appointed", ("appointment",)),)),
    "budget": Concept(frozenset({"budget"}), ("budget",), 1, True),
    "troops": Concept(frozenset({"contributor", "strength", "deployed"}),
                    ("personnel", "contingent"), 0, True),
    "creation": Concept(frozenset({"created"}), ("mandate", "milestone"), 0, False),
    "end": Concept(frozenset({"ended", "liquidation"}), ("milestone", "withdrawal", "mandate"),
                 0, False),
    "request": Concept(frozenset({"request", "demand"}), ("politics", "statement"), 0, False,
                       objects=frozenset({"closed", "withdrawal", "handed"})),
    "arrival": Concept(frozenset({"arrived"}),
                     ("contingent", "milestone", "operation", "personnel", "leadership",
                      "appointment"), 0, True),
}
# What "how many" counts, by the canonical terms that name it (first match wins); the words
# go through `stem`, as a question's terms do ("peacekeepers" is the term "peacekeeper").
MEASURES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(stem(w) for w in words), measures) for words, measures in (
    (frozenset({"killed", "toll"}), frozenset({"killed", "fatalities"})),
    (frozenset({"wounded"}), frozenset({"wounded"})),
    (frozenset({"missing", "abducted"}), frozenset({"missing"})),
    (frozenset({"budget"}), frozenset({"budget-usd"})),
    (frozenset({CAMP_WORD}), frozenset({"camps"})),
    (frozenset({"contributors", "country", "countries", "nationalities"}),
     frozenset({"contributing-countries"})),
    (frozenset({"police", "policemen", "officers"}), frozenset({"police", "police-ceiling"})),
    (frozenset({"ceiling"}), frozenset({"military-ceiling", "police-ceiling"})),
    (frozenset({"civilian"}), frozenset({"civilian-staff"})),
    (frozenset({"displaced", "refugees"}), frozenset({"displaced"})),
    (frozenset({"peacekeepers", "strong", "size", "big", "large", "strength"}),
     frozenset({"troops", "personnel", "military-ceiling"})),
))
ROLES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("deputy", "force", "commander"), "deputy-force-commander"),
    (("deputy", "head", "coordinator"), "deputy-head-coordinator"),
    (("resident", "coordinator"), "deputy-head-coordinator"),
    (("humanitarian", "coordinator"), "deputy-head-coordinator"),
    (("deputy", "head", "mission"), "deputy-head-of-mission"),
    (("force", "commander"), "force-commander"),
    (("force", "head"), "force-commander"),  # "who led the force?"
    (("police", "head"), "police-commissioner"),  # "qui dirigeait la police ?"
    (("police", "commissioner"), "police-commissioner"),
    (("head", "mission"), "head-of-mission"),
    (("head",), "head-of-mission"),
    (("commander",), "force-commander"),
)
# The words that name an office, and the verb of taking one.
ROLE_WORDS = frozenset({w for need, _ in ROLES for w in need} | {"appointed"})
# Offices held side by side under one name: the mission had two deputy heads at a time, the
# political one and the one who was also the UN's resident and humanitarian coordinator.
# "The deputy head in 2019" is both; who succeeded whom stays within each post.
ROLE_FAMILIES: dict[str, tuple[str, ...]] = {
    "deputy-head-of-mission": ("deputy-head-of-mission", "deputy-head-coordinator"),
}


def role_family(role: str) -> tuple[str, ...]:
    return ROLE_FAMILIES.get(role, (role,))
# A sum asked for or advised, not granted: a budget figure whose `who` says so is a proposal,
# the answer only when the question asks for one ("how much was requested for 2018/19?").
PROPOSAL_WORDS = frozenset("""request requests requested proposal proposed propose recommended
recommend recommendation estimate estimated asked demande demandee demandes propose proposee
proposition recommande recommandee recommandation estime estimee estimation""".split())
# Units that place or time what an entry tells ("45 km south-west of Timbuktu", "for 72
# hours"): a number before one is a circumstance, never the count a question asks for.
CIRCUMSTANCE_UNITS = frozenset("""km kilometre kilometer kilometres kilometers mile miles metre
metres meter meters hour hours heure heures minute minutes day days jour jours week weeks
semaine semaines month months mois year years an ans annee annees""".split())
# Asking for a rank in an order ("Tessalit was which number base to close?").
ORDINAL_ASK = re.compile(r"\b(?:which|what) (?:number|position|rank)\b|\bcombientieme\b|"
                         r"\bquel(?:le)? (?:rang|numero|position)\b|\bnth\b")
# Being named to an office, as opposed to taking it up: an appointment's own entry.
NAMED_TO_OFFICE = re.compile(r"\b(?:appoint\w*|named|nominat\w*|nomme\w*|designat\w*|"
                             r"designe\w*|chosen|choisi\w*)\b")
# Taking up an office, as opposed to being named to it: entries marked `tenure = "start"`.
TOOK_OFFICE = re.compile(r"\b(?:took office|takes office|take office|in office|took command|"
                         r"takes command|take command|took up (?:his|her|the) (?:post|duties)|"
                         r"assumed (?:office|command)|en fonctions?|prise? de fonctions?|"
                         r"pris ses fonctions|prend ses fonctions|pris le commandement|"
                         r"prend le commandement|entree en fonctions?)\b")
# Offices held by a person, the mission's or anyone's, as typed (folded): "who is the president
# of France?" asks for a person, so France itself, or an organisation, is no answer.
PERSON_OFFICES = frozenset("""president presidents minister ministers premier king leader
leaders chief chiefs spokesman spokeswoman spokesperson ambassador ambassadors envoy general
colonel director secretary representative commander commissioner governor mayor prefect
president presidente ministre ministres chef chefs porte parole ambassadeur ambassadrice
envoye representant representante commandant commissaire gouverneur maire prefet directeur
directrice secretaire""".split())
TYPE_WORDS: dict[str, AnswerType] = {
    "when": "when", "quand": "when", "date": "when", "month": "when", "mois": "when",
    "who": "who", "whom": "who", "whose": "who", "qui": "who",
    "combien": "how_many",
    "where": "where",
    "why": "why", "pourquoi": "why",
    "which": "which", "quel": "which", "quelle": "which", "quels": "which", "quelles": "which",
    "what": "what", "quoi": "what", "que": "what",
}  # fmt: skip
HOW_MANY = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bnombre de\b|\bcombien\b|"
                       r"\bhow (?:big|large|strong)\b")
WHEN_PHRASE = re.compile(r"\b(?:what|which) (?:date|day|year|month)\b|\ben quelle annee\b|"
                          r"\ba quelle date\b|\bquel (?:jour|mois)\b|\bquelle (?:date|annee)\b")
# A toll asked without "how many" ("peacekeepers killed 2018", "morts en 2021 ?"): these words
# with a date ask for a number.
TOLL_WORDS = frozenset({"killed", "toll", "wounded"})
# The mission's own people: in "when did the last peacekeepers leave Gao?" they are the mission
# itself, not a word an entry must say; in "how many peacekeepers were killed?" they say whose
# toll is asked, as civilians do (words as `text.tokens` gives them, before aliases).
MISSION_PEOPLE = frozenset({"peacekeeper", "troop", "soldier", "soldat", "casque", "personnel",
                            "staff"})
CIVILIANS = frozenset({"civilian", "civil", "villager"})
# People a toll or a strength counts, whatever the measure: "how many soldiers ... killed" is
# read by the measure's words, where "how many hectares" counts hectares.
COUNTED_PEOPLE = MISSION_PEOPLE | CIVILIANS | frozenset(
    {"people", "person", "victim", "death", "dead", "casualty", "man", "men", "women", "child",
     "militaire", "homme", "personne", "mort", "victime", "blesse"})
# Where a person came from ("Kazura nationality", "Annadif venait de quel pays ?").
NATIONALITY = re.compile(
    r"\bnationalit|\bnationalty\b|\b(?:which|what) country\b|\bde quel pays\b|"
    r"\bquel pays\b|"
    r"\bwhere (?:was|is|did|does) .*\bfrom\b|\bd ou (?:vient|venait|etait)\b|\borigin")
# How long something lasted ("how long was Annadif head of mission?", "combien de temps ...",
# "how many days between the Ogossagou and Ber closures?").
DURATION = re.compile(
    r"\bhow long\b|\bcombien de temps\b|\bpendant combien\b|"
    r"\bhow many (?:years|months|weeks|days)\b|\bcombien (?:d |de )?(?:annees|ans|mois|"
    r"semaines|jours)\b")
# "between A and B" / "entre A et B": the two ends of a span.
BETWEEN = re.compile(r"\b(?:between|entre)\s+(.+?)\s+(?:and|et)\s+(.+?)\s*[?.!]*$",
                     re.IGNORECASE)
# A question asking for a figure year by year ("killed each year", "morts par an").
# A renewal of the mandate: a resolution that extends it beyond the date the mandate ran to
# (`derive.renewals`); the creation, the sanctions regime and the termination are not renewals.
RENEWAL = re.compile(r"\b(?:renew\w*|extend\w*|extension|prolong\w*|renouvel\w*|"
                     r"prorog\w*|reconduct\w*|reconduit\w*)\b")
# "Who was head of mission when Mikado FM was launched?": the clause naming the moment asked.
WHEN_CLAUSE = re.compile(r"\b(?:when|while|at the time of|at the time|quand|lorsque|lors de|"
                         r"au moment (?:de|ou))\b(.+)")
# A length asked in days ("how many days did Hamdi serve?").
IN_DAYS = re.compile(r"\b(?:days|jours)\b")
# The verb of a duration ("how long did the liquidation last?"), not what lasted.
LASTING = re.compile(r"\b(?:last|lasted|lasting|dure|durer|duree|a dure|ont dure)\b")
SERIES = re.compile(r"\b(?:each|every|per|by|a) year\b|\byear by year\b|\byearly\b|"
                    r"\bannually\b|\bpar (?:an|annee)\b|\bchaque annee\b|"
                    r"\bannee par annee\b|\bannuel(?:le|s|les)?\b")
# Chat shorthand, read as the word it stands for before anything else ("qd" is "quand").
SHORTHAND = {
    "qd": "quand", "qnd": "quand", "kan": "quand", "pq": "pourquoi", "pkoi": "pourquoi",
    "cb": "combien", "cmb": "combien", "ds": "dans", "ac": "avec", "bcp": "beaucoup",
    "tt": "tout", "slt": "salut", "bjr": "bonjour", "1ere": "premiere", "1ère": "première",
    "1st": "first", "2nd": "second", "2eme": "deuxieme", "2ème": "deuxième", "wen": "when",
    "whn": "when", "wat": "what", "wht": "what", "hw": "how", "abt": "about",
    "pls": "please", "plz": "please", "yr": "year", "yrs": "years",
}
WHERE = re.compile(r"\bwhere\b|(?:^|\s)où\b|\bdans quelle ville\b")
# Succession. Nouns and adverbs say the direction themselves ("his successor", "who came
# before"); a verb of replacing says it by where the person stands: after the verb, the person
# was replaced ("who replaced Annadif?", "qui a remplacé Annadif ?": the successor); before it,
# the person did the replacing ("who did Wane replace?", "Wane a remplacé qui ?": the
# predecessor), unless the verb is passive ("Annadif was replaced by whom?").
SUCCESSOR_WORDS = re.compile(
    r"\b(?:successor|successors|successeur|successeurs|came after|come after|after|apres|"
    r"next|following|suivant)\b")
PREDECESSOR_WORDS = re.compile(
    r"\b(?:predecessor|predecessors|predecesseur|predecesseurs|preceded|precede|precedait|"
    r"before|avant|previous|precedent|came before)\b")
REPLACE_VERB = re.compile(
    r"\b(?:replace|replaced|replaces|replacing|succeed|succeeded|succeeds|succeeding|"
    r"took over from|take over from|takes over from|relieved|remplace|remplacee|remplacer|"
    r"remplacait|succede|succeder|succedait|pris la releve|a pris la suite)\b")
PASSIVE = re.compile(r"\b(?:was|were|been|is|ete|est|fut)\s+(?:\w+\s+)?$")
FIRST = re.compile(r"\b(?:first|earliest|premier|premiere|initial)\b")
# The n-th of an order beyond the first: "the second head of mission", "le troisième chef".
NTH: dict[str, int] = {
    "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6,
    "deuxieme": 2, "seconde": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5,
    "sixieme": 6, "2e": 2, "2eme": 2, "3e": 3, "3eme": 3, "4e": 4, "4eme": 4, "5e": 5,
    "5eme": 5, "6e": 6, "6eme": 6,
}
# "Its last six months" is a stretch of time, not the last of a kind.
LAST = re.compile(r"\b(?:(?:last|final|dernier|derniers|derniere|dernieres)(?! (?:(?:\d+|two|"
                  r"three|four|five|six|seven|eight|nine|ten|twelve|few|several|deux|trois|"
                  r"quatre|cinq|six|sept|huit|neuf|dix|douze|quelques) )?(?:days?|weeks?|"
                  r"months?|years?|jours|semaines|mois|ans|annees)\b)|latest|most recent|"
                  r"at the end|"
                  r"in the end|a la fin|when it (?:closed|ended))\b")
SUPERLATIVE_WORDS = frozenset("deadliest bloodiest worst largest biggest highest most deadly "
                              "meurtriere meurtrier grande grand important peak maximum max "
                              "pic record".split())
MOST = re.compile(r"\b(?:deadliest|bloodiest|worst|largest|biggest|most deadly|peak|maximum|"
                  r"max|au plus fort|"
                   r"plus meurtriere?|plus grande?|plus important|highest|most)\b")
# What "the most" compares when the question names no measure, by topic.
MOST_BY_TOPIC = {
    "attack": frozenset({"killed"}),
    "casualties": frozenset({"killed"}),
    "troops": frozenset({"troops"}),
    "budget": frozenset({"budget-usd"}),
    "mandate": frozenset({"military-ceiling"}),
}
MOST_PHRASES = {
    "most-killed": frozenset({"killed", "fatalities"}),
    "most-troops": frozenset({"troops", "personnel", "police"}),
    "most-budget": frozenset({"budget-usd"}),
}
