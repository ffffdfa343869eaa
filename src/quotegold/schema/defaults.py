"""The built-in lists: what a project has when its quotegold.toml is missing or leaves a list out.

The stance targets are broad areas of news, usable on any of it; 107 Wikinews articles of the
shipped gold were annotated with them. Their `keywords` are what the pre-annotator looks for
to propose a target: words and phrases, matched whole and case-insensitively (a final `s` or
`es` is allowed, so "tariff" also finds "tariffs"). `other` has none: it is never proposed.
"""

from __future__ import annotations

from quotegold.schema.build import build_schema
from quotegold.schema.definition import OTHER_TARGET, AnnotationSchema, Choice


def _words(text: str) -> tuple[str, ...]:
    """Keywords written one a line or separated by commas."""
    return tuple(word.strip() for word in text.replace("\n", ",").split(",") if word.strip())


DEFAULT_TARGETS: tuple[Choice, ...] = (
    Choice(
        "economy",
        "the economy, business, trade, jobs, prices, taxes",
        "e",
        _words(
            "economy, economic, economies, business, trade, tariff, jobs, unemployment, "
            "employment, wage, prices, inflation, tax, taxation, budget, market, investment, "
            "investor, company, companies, industry, bank, banking, growth, recession, debt, "
            "gdp, export, import, manufacturing, workers, salary, pension, interest rates, "
            "currency, shares, profit, revenue, customers, consumer, retail, financial, finance"
        ),
    ),
    Choice(
        "security",
        "war, defence, terrorism, armed conflict, public safety",
        "y",
        _words(
            "security, war, military, army, troops, soldier, defence, defense, terrorism, "
            "terrorist, terror, attack, bombing, bomb, missile, weapon, armed, conflict, "
            "militant, insurgent, ceasefire, violence, gunman, airstrike, invasion, "
            "nuclear weapon, public safety, extremism, extremist, hostage, explosion"
        ),
    ),
    Choice(
        "health",
        "health, disease, medicine, health care",
        "h",
        _words(
            "health, healthcare, health care, hospital, disease, virus, coronavirus, covid, "
            "pandemic, epidemic, outbreak, vaccine, vaccination, medicine, medical, doctor, "
            "nurse, patient, infection, infected, cancer, treatment, abortion, mental health, "
            "quarantine, symptoms, illness, sick"
        ),
    ),
    Choice(
        "environment",
        "climate, energy, nature, pollution, natural disasters",
        "v",
        _words(
            "environment, environmental, climate, climate change, global warming, emissions, "
            "carbon, pollution, energy, oil, coal, renewable, solar, nature, wildlife, forest, "
            "rainforest, wildfire, bushfire, flood, flooding, earthquake, hurricane, storm, "
            "cyclone, drought, species, conservation, plastic, fossil fuel, greenhouse"
        ),
    ),
    Choice(
        "migration",
        "migration, refugees, asylum, borders",
        "m",
        _words(
            "migration, migrant, immigration, immigrant, refugee, asylum, border, deportation, "
            "deported, deport, visa, citizenship, emigration, asylum seeker"
        ),
    ),
    Choice(
        "foreign_affairs",
        "relations between countries, diplomacy, international bodies",
        "f",
        _words(
            "diplomacy, diplomatic, diplomat, foreign, bilateral, sanction, treaty, embassy, "
            "ambassador, united nations, nato, european union, summit, international, "
            "foreign minister, foreign policy, ally, alliance, g7, g20, brexit"
        ),
    ),
    Choice(
        "justice",
        "crime, courts, police, law and rights",
        "j",
        _words(
            "court, judge, ruling, trial, lawsuit, sued, prosecutor, prosecution, police, crime, "
            "criminal, arrest, arrested, charged, sentence, sentenced, prison, jail, legal, "
            "rights, human rights, justice, investigation, convicted, guilty, murder, fraud, "
            "corruption, lawyer, verdict, appeal, freedom of expression"
        ),
    ),
    Choice(
        "elections",
        "elections, campaigns, voting, political parties",
        "l",
        _words(
            "election, electoral, vote, voting, voter, ballot, campaign, candidate, poll, "
            "referendum, political party, electorate, primaries, constituency, "
            "re-election, reelection"
        ),
    ),
    Choice(
        "governance",
        "a government's or leader's policy, law or decision not covered above",
        "g",
        _words(
            "government, policy, policies, minister, ministry, cabinet, legislation, bill, "
            "reform, regulation, decree, administration, parliament, congress, senate, "
            "president, prime minister, governor, mayor, council, public services"
        ),
    ),
    Choice(
        "science_technology",
        "science, research, technology, space",
        "k",
        _words(
            "science, scientific, scientist, research, researcher, study, technology, "
            "internet, software, computer, artificial intelligence, space, nasa, satellite, "
            "rocket, spacecraft, digital, innovation, engineering, physics, biology, discovery, "
            "fossil, dinosaur, telescope, robot"
        ),
    ),
    Choice(OTHER_TARGET.value, OTHER_TARGET.hint, "w"),
)

DEFAULT_SPEAKER_KINDS: tuple[Choice, ...] = (
    Choice("person", "a named or described person", "p"),
    Choice("organisation", "a ministry, company, party, group", "o"),
    Choice("country", "a country or its government as a whole", "n"),
    Choice("unnamed", "an unnamed source: officials, sources", "x"),
)

DEFAULT_INITIATIVE_STATUSES: tuple[Choice, ...] = (
    Choice("proposed", "put forward, not yet agreed, or withdrawn", "7"),
    Choice("agreed", "agreed, signed, passed, enacted or imposed", "8"),
    Choice("endorsed", "backed by a speaker who did not propose it", "9"),
    Choice("mentioned", "only mentioned", "0"),
)

DEFAULT_LISTS: dict[str, tuple[Choice, ...]] = {
    "stance_targets": DEFAULT_TARGETS,
    "speaker_kinds": DEFAULT_SPEAKER_KINDS,
    "initiative_statuses": DEFAULT_INITIATIVE_STATUSES,
}

DEFAULT_SCHEMA: AnnotationSchema = build_schema(DEFAULT_LISTS)
