"""Word lists the rules rely on: attribution cues, speaker heads, titles, initiative heads.

All entries are lower case; look words up with `token.lower()`. The lists describe the
grammar of attribution in English news (PARC 3.0 and PolNeAR cue inventories), not any
particular article.
"""

from __future__ import annotations

from typing import Final


def words(text: str) -> frozenset[str]:
    """The set of the space-separated words of `text`."""
    return frozenset(text.split())


# -- cues ------------------------------------------------------------------------------------

# Verbs that report speech and take a clause ("said (that) …"), a direct quote ("said, “…”")
# or stand after the content ("…, X said."). Finite forms only: bare participles such as
# "written" or "reported" are too often adjectives.
SAY_VERBS: Final = words(
    "say says said add adds added state states stated note notes noted write writes wrote "
    "explain explains explained claim claims claimed argue argues argued insist insists "
    "insisted warn warns warned comment comments commented remark remarks remarked "
    "reply replies replied respond responds responded tweet tweets tweeted declare declares "
    "declared acknowledge acknowledges acknowledged admit admits admitted concede concedes "
    "conceded confirm confirms confirmed deny denies denied report reports reported "
    "announce announces announced observe observes observed suggest suggests suggested "
    "predict predicts predicted allege alleges alleged assert asserts asserted testify "
    "testifies testified recall recalls recalled promise promises promised vow vows vowed "
    "pledge pledges pledged stress stresses stressed emphasize emphasizes emphasized "
    "emphasise emphasises emphasised underline underlines underlined reiterate reiterates "
    "reiterated reaffirm reaffirms reaffirmed complain complains complained joke jokes "
    "joked exclaim exclaims exclaimed concluded continued continues wondered ask asks asked "
    "urge urges urged reasoned contended cautioned quipped lamented recounted disclosed "
    "revealed mentioned clarified commented"
)
# Of those, the ones commonly followed by the content without "that" ("said he would").
ZERO_THAT_VERBS: Final = words(
    "say says said add adds added claim claims claimed insist insists insisted warn warns "
    "warned argue argues argued"
)
# Verbs that also take a plain object ("reported a loss"): the content needs a clause,
# shown by a subject pronoun or an auxiliary ("confirmed it was", "noted prices had").
WEAK_ZERO_THAT_VERBS: Final = words(
    "note notes noted admit admits admitted predict predicts predicted suggest suggests "
    "suggested concede concedes conceded acknowledge acknowledges acknowledged confirm "
    "confirms confirmed announce announces announced state states stated explain explains "
    "explained write writes wrote report reports reported observe observes observed assert "
    "asserts asserted contended recalled reiterated stressed emphasized emphasised"
)
SUBJECT_PRONOUNS: Final = words("he she it they we i there")
# Verbs whose noun-phrase object is itself the content ("urged member states to …",
# "emphasized the importance of …", "announced the start of …").
OBJECT_VERBS: Final = words(
    "urge urges urged emphasize emphasizes emphasized emphasise emphasises emphasised stress "
    "stresses stressed reaffirm reaffirms reaffirmed reiterate reiterates reiterated "
    "underline underlines underlined ask asks asked"
)
# Verbs of telling: an addressee comes between the verb and the content.
TELL_VERBS: Final = words("tell tells told inform informs informed assure assures assured")
# Participles that attribute content to the subject of the main clause ("…, saying …").
PARTICIPLE_CUES: Final = words(
    "saying adding writing noting stating explaining warning claiming arguing insisting "
    "telling stressing emphasizing emphasising"
)
STRONG_CUES: Final = words("say says said told tells stated states according wrote writes")

# -- the words around a cue ------------------------------------------------------------------

# Allowed between a subject and its cue: "Singh also said", "she has repeatedly said".
ADVERBS: Final = words(
    "also later previously earlier then further additionally has have had would will "
    "reportedly repeatedly recently again once more publicly subsequently separately "
    "herself himself themselves itself even still already further however too just "
    "had has"
)
PASSIVE_AUX: Final = words("was were is are be been being")
# Short adverbials that may follow a cue before "that" or the content.
PREPOSITIONS: Final = words(
    "in on at during to after before while via through from with for over following "
    "earlier later last this yesterday today tonight tomorrow recently afterwards again "
    "separately previously publicly privately"
)
DAYS_MONTHS: Final = words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december"
)
CLAUSE_STARTERS: Final = words(
    "he she it they we i you there this these those the a an his her its their our my "
    "some all no many most several every each one two three four five any both neither "
    "nobody everyone everything nothing something someone"
)
WH_WORDS: Final = words("whether if why how what when where who which")
# Embedded questions that can be the content of a saying verb ("explained how …").
CONTENT_WH: Final = words("whether why how what")

# -- speakers --------------------------------------------------------------------------------

PRONOUNS: Final = words("he she they it")
PERSON_PRONOUNS: Final = words("he she")
DETERMINERS: Final = words(
    "the a an his her its their our one another two three several some many other both "
    "this that these those"
)
# Heads of lower-case speaker descriptions: roles, groups and unnamed sources.
PERSON_ROLES: Final = words(
    "minister secretary president spokesman spokeswoman spokesperson official officer "
    "director chairman chairwoman chair chief head leader governor mayor senator "
    "ambassador envoy diplomat commander general admiral colonel captain lieutenant "
    "sergeant prosecutor attorney lawyer judge justice magistrate coach manager "
    "executive founder co-founder ceo president-elect premier chancellor king queen prince "
    "princess pope bishop cardinal imam rabbi priest pastor professor scientist "
    "researcher economist analyst expert doctor physician surgeon nurse teacher student "
    "father mother son daughter brother sister wife husband uncle aunt parent friend "
    "neighbour neighbor witness resident victim survivor owner author writer blogger "
    "poster user editor reporter journalist correspondent columnist curator organiser "
    "organizer activist campaigner protester candidate lawmaker legislator "
    "representative deputy member councillor councilor commissioner inspector detective "
    "investigator source insider aide adviser advisor consultant negotiator mediator "
    "secretary-general director-general administrator superintendent principal dean "
    "captain player striker midfielder defender goalkeeper referee driver pilot "
    "farmer worker employee man woman boy girl teenager coauthor co-author academic "
    "chairperson cosplayer fan spectator attendee participant volunteer organiser "
    "administrator staffer official"
)
UNNAMED_PLURALS: Final = words(
    "officials sources authorities police experts analysts witnesses residents critics "
    "diplomats observers investigators prosecutors researchers scientists doctors "
    "organisers organizers activists protesters campaigners lawyers officers spokesmen "
    "spokespeople members leaders ministers workers employees locals villagers "
    "survivors relatives families parents students teachers economists authors "
    "insiders aides advisers advisors negotiators reporters journalists"
)
ORG_NOUNS: Final = words(
    "ministry department government company firm agency council committee commission "
    "authority authorities office police army navy military court party union association "
    "organisation organization group bank board bureau administration embassy parliament "
    "senate congress assembly foundation institute university school hospital team club "
    "league federation alliance coalition network newspaper agency service corporation "
    "church movement front regime cabinet presidency secretariat"
)
# Capitalised words that make a name an organisation ("the Kazakh Ministry of Defense").
ORG_HEADS: Final = words(
    "ministry department government company corporation corp inc ltd llc plc agency "
    "council committee commission authority office police army navy force forces court "
    "party union association organisation organization group bank board bureau "
    "administration embassy parliament senate congress assembly foundation institute "
    "university college school hospital team club league federation alliance coalition "
    "network service services church movement front structure secretariat cabinet "
    "news times post herald gazette express journal tribune telegraph guardian reuters "
    "afp ap bbc cnn xinhua tass yonhap television tv radio press media nations states "
    "centre center fund program programme project house kremlin pentagon vatican "
    "whitehall ag gmbh sa nv se spa"
)
# Documents that report but are not speakers themselves ("the statement said").
DOCUMENT_NOUNS: Final = words(
    "statement report reports study survey letter post blog article communique release "
    "document documents data figures poll website site paper research analysis "
    "announcement memo filing record records transcript"
)
# Titles stripped from a person's canonical name ("Defence Minister Rajnath Singh").
TITLES: Final = words(
    "mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor emeritus sir dame lord lady "
    "president vice prime minister ministers secretary deputy general chief director "
    "defence defense foreign interior finance home justice health education trade "
    "ambassador senator sen sen. rep rep. representative governor gov gov. mayor "
    "judge justice commissioner king queen prince princess pope sheikh emir "
    "captain capt capt. colonel col col. major lieutenant lt lt. sergeant sgt sgt. "
    "admiral commander officer detective inspector chairman chairwoman chair spokesman "
    "spokeswoman spokesperson coach ceo cfo founder co-founder executive editor "
    "administrator premier chancellor attorney prosecutor crown qc state former acting "
    "assistant associate national international senior united nations us u.s. uk "
    "states kingdom republic "
    "secretary-general director-general cardinal bishop archbishop reverend rev rev. "
    "father brother sister saint st st. physician doctor head leader envoy "
    "opposition party army navy air police"
)
# Particles inside personal names ("Suleiman al-Amr", "Ursula von der Leyen").
NAME_PARTICLES: Final = words("al el bin ibn de da di du van von der den la le del dos das")
# Connectors allowed inside a Title-Case name ("Ministry of Defense").
NAME_CONNECTORS: Final = words("of for and the on in to de")
# Capitalised words that open sentences without being part of a name.
SENTENCE_OPENERS: Final = words(
    "the a an this that these those his her its their our my your but and or so yet "
    "however meanwhile also later earlier then now today yesterday tomorrow still "
    "according on in at after before during while when if as since although though "
    "because despite instead additionally furthermore moreover finally first second "
    "last next previously recently currently separately similarly nevertheless "
    "nonetheless indeed in thus hence therefore there here it he she they we i you "
    "one some many most several both all no not every each why how what where who "
    "allegedly reportedly apparently for with from by about to of under over among amid "
    "until unless whether once following like unlike within without"
)
COUNTRIES: Final = words(
    "afghanistan albania algeria argentina armenia australia austria azerbaijan bangladesh "
    "belarus belgium bolivia brazil bulgaria cambodia cameroon canada chile china colombia "
    "croatia cuba cyprus czechia denmark ecuador egypt eritrea estonia ethiopia finland "
    "france gabon georgia germany ghana greece hungary iceland india indonesia iran iraq "
    "ireland israel italy japan jordan kazakhstan kenya kuwait kyrgyzstan laos latvia "
    "lebanon libya lithuania malaysia mexico moldova mongolia morocco myanmar nepal "
    "netherlands nigeria norway oman pakistan panama peru philippines poland portugal "
    "qatar romania russia rwanda serbia singapore slovakia slovenia somalia spain "
    "sudan sweden switzerland syria taiwan tajikistan tanzania thailand tunisia turkey "
    "turkmenistan uganda ukraine uzbekistan venezuela vietnam yemen zambia zimbabwe "
    "britain england scotland wales us usa uk"
)
COUNTRY_PHRASES: Final = frozenset(
    {
        "new zealand",
        "south korea",
        "north korea",
        "united states",
        "united kingdom",
        "south africa",
        "saudi arabia",
        "sri lanka",
        "the united states",
        "the united kingdom",
        "south sudan",
        "united arab emirates",
        "czech republic",
        "the philippines",
        "the netherlands",
        "costa rica",
        "el salvador",
        "hong kong",
    }
)
AUXILIARIES: Final = words(
    "is are was were be been has have had do does did will would can could may might "
    "shall should must won't wouldn't can't couldn't isn't aren't wasn't weren't hasn't "
    "haven't hadn't doesn't didn't 're 've 'll 'd \u2019re \u2019ve \u2019ll \u2019d"
)

# -- initiatives -----------------------------------------------------------------------------

INITIATIVE_HEADS: Final = words(
    "convention treaty agreement accord pact programme program plan act initiative "
    "strategy framework protocol charter declaration partnership scheme doctrine roadmap "
    "compact deal mission project campaign"
)
# Words that introduce a name in quotation marks ("the concept of “…”").
CONCEPT_NOUNS: Final = words(
    "concept idea initiative vision slogan motto theme principle programme program plan "
    "campaign doctrine strategy policy proposal scheme"
)
# Words that introduce a title or name rather than a quotation ("a group called “…”").
NAMING_WORDS: Final = words(
    "called named dubbed titled entitled so-called nicknamed labelled labeled branded as"
)
PROPOSE_WORDS: Final = words(
    "propose proposes proposed proposal proposals suggest suggests suggested forward "
    "brought pitched introduce introduces introduced unveil unveils unveiled initiated "
    "mooted floated advocated advocates advocate urged announce announces announced "
    "launches launched"
)
AGREE_WORDS: Final = words(
    "agree agrees agreed signed sign signs adopted adopt adopts ratified "
    "ratify concluded approved approve approves reached endorsed-by jointly"
)
ENDORSE_WORDS: Final = words(
    "support supports supported endorse endorses endorsed backed back backs welcome "
    "welcomes welcomed praised hailed"
)
