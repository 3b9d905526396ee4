"""The grader on subjects of every kind: a table per kind of failure, on small decks written
for these tests."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from retain.core.grading import Grade, grade_typed_answer
from retain.core.textnorm import detect_language

Card = tuple[str, tuple[str, ...]]

VOCAB: tuple[Card, ...] = (
    ("What does “embarazada” mean?", ("pregnant",)),
    ("What does “la carpeta” mean?", ("the folder / the file",)),
    ("What does “éventuellement” mean?", ("possibly / perhaps",)),
    ("How do you say “the tree” in Spanish?", ("el árbol",)),
    ("How do you say “yes” in Spanish?", ("sí",)),
    ("How do you say “the key” in German?", ("der Schlüssel",)),
    ("How do you say “the window” in French?", ("la fenêtre",)),
)


def grade_in(deck: Sequence[Card], index: int, typed: str) -> Grade:
    question, points = deck[index]
    others = [list(p) for i, (_, p) in enumerate(deck) if i != index]
    return grade_typed_answer(question, list(points), typed, other_answers=others)


@pytest.mark.parametrize(
    ("side", "lang"),
    [
        ("the folder / the file", "en"),
        ("el árbol", "es"),
        ("der Schlüssel", "de"),
        ("la fenêtre", "fr"),
        ("sí", "es"),
    ],
)
def test_the_language_of_a_side_is_told(side: str, lang: str) -> None:
    assert detect_language(side) == lang


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        (3, "arbol"),  # a missing accent
        (3, "árbol"),  # no article
        (5, "Schlussel"),  # no umlaut, no article
        (6, "la fenetre"),
        (6, "fenêtre"),
        (0, "pregant"),  # a letter missing
        (1, "a folder"),  # one alternative, another article
    ],
)
def test_an_accent_or_a_typo_that_makes_no_other_word_is_accepted(index: int, typed: str) -> None:
    grade = grade_in(VOCAB, index, typed)
    assert grade.verdict == "correct"
    assert not grade.contradiction


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        (0, "embarrassed"),  # false friends
        (1, "carpet"),
        (2, "eventually"),
        (4, "si"),  # without its accent, another word ("if")
    ],
)
def test_a_false_friend_or_another_real_word_contradicts(index: int, typed: str) -> None:
    grade = grade_in(VOCAB, index, typed)
    assert grade.verdict == "incorrect"
    assert grade.contradiction


def test_a_hedge_with_a_false_friend_is_not_the_answer() -> None:
    grade = grade_in(VOCAB, 0, "pregnant or embarrassed")
    assert grade.verdict == "incorrect"
    assert grade.contradiction


@pytest.mark.parametrize("typed", ["I don't know", "idk", "?", "no idea"])
def test_no_answer_is_no_contradiction(typed: str) -> None:
    grade = grade_in(VOCAB, 6, typed)
    assert grade.verdict == "incorrect"
    assert not grade.contradiction


SCIENCE: tuple[Card, ...] = (
    ("What are the capitals of Spain and Italy?", ("Spain – Madrid", "Italy – Rome")),
    (
        "What happens to the volume of a gas when it is heated at constant pressure?",
        ("The volume increases", "Because the particles move faster and spread out"),
    ),
    ("What are the primary colours of light?", ("Red", "Green", "Blue")),
    ("What colour do red and green light make together?", ("Yellow",)),
    (
        "What happens to the current when the resistance of a circuit rises?",
        ("The current falls", "Current = voltage ÷ resistance"),
    ),
)


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        (0, "spain rome italy madrid"),  # values swapped between subjects
        (0, "Spain – Rome, Italy – Madrid"),
        (1, "the volume decreases"),  # direction reversed
        (1, "the gas takes up less space, its volume goes down"),
        (4, "the current rises"),
        (2, "red, green and yellow"),  # an item from outside the list
    ],
)
def test_a_swap_a_reversal_or_an_item_outside_the_list_contradicts(
    index: int, typed: str
) -> None:
    grade = grade_in(SCIENCE, index, typed)
    assert grade.contradiction
    assert grade.verdict != "correct"


@pytest.mark.parametrize(
    ("index", "typed", "verdict"),
    [
        (0, "spain madrid, italy rome", "correct"),
        (0, "Madrid for Spain and Rome for Italy", "correct"),
        (1, "the volume increases", "partial"),
        (1, "its volume increases as the particles move faster and spread out", "correct"),
        (2, "red, green, blue", "correct"),
        (2, "blue and red and green", "correct"),
        (2, "red and green", "partial"),  # a strict subset of a closed list
        (4, "the current falls", "partial"),
    ],
)
def test_the_same_facts_said_the_right_way_round_do_not_contradict(
    index: int, typed: str, verdict: str
) -> None:
    grade = grade_in(SCIENCE, index, typed)
    assert not grade.contradiction
    assert grade.verdict == verdict


@pytest.mark.parametrize(
    ("points", "typed"),
    [
        (["The National Health Service treats patients"], "the NHS treats patients"),
        (
            ["The GDP measures the output of an economy"],
            "gross domestic product measures an economy's output",
        ),
        (["Price elasticity of demand is how responsive demand is"], "ped: how responsive it is"),
    ],
)
def test_an_abbreviation_meets_the_words_it_stands_for(points: list[str], typed: str) -> None:
    grade = grade_typed_answer("What is it?", points, typed)
    assert grade.verdict == "correct"


PLAY: tuple[Card, ...] = (
    ("Who betrays the queen in the second act?", ("Her brother Osric", "He sells her letters")),
    ("Who was Osric?", ("The queen's brother", "A courtier who betrays her")),
)


def test_another_person_for_who_did_it_contradicts() -> None:
    grade = grade_in(PLAY, 0, "the gardener")
    assert grade.contradiction and grade.verdict == "incorrect"


def test_a_true_but_unlisted_description_for_who_was_is_no_contradiction() -> None:
    grade = grade_in(PLAY, 1, "a minor character")
    assert not grade.contradiction


GASES: tuple[Card, ...] = (
    (
        "What happens to the pressure of a gas when it is squeezed into a smaller space?",
        ("The pressure rises", "Because the particles hit the walls more often"),
    ),
    (
        "What happens to a balloon left in a freezer?",
        ("It shrinks", "The particles slow down and take up less room"),
    ),
    (
        "What is a crystal of table salt made of?",
        ("A regular cubic lattice of sodium and chloride ions", "Held together by strong forces"),
    ),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        (0, "it goes up", (0,)),  # "goes up" for "rises": the table's "go up" inflected
        (0, "the pressure is rising", (0,)),
        (0, "the pressure goes down", ()),
        (2, "regular cubic lattice", (0,)),  # a point said in short
        (2, "cubic lattice of ions", (0,)),
    ],
)
def test_an_inflected_synonym_or_a_point_said_in_short_covers_it(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    grade = grade_in(GASES, index, typed)
    assert grade.covered == covered
    assert grade.verdict == ("partial" if covered else "incorrect")


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        (2, "lattice forces sodium"),  # key words picked from two points
        (0, "walls pressure particles"),
    ],
)
def test_key_words_picked_from_several_points_cover_none(index: int, typed: str) -> None:
    grade = grade_in(GASES, index, typed)
    assert grade.covered == ()


def test_goes_down_against_rises_contradicts() -> None:
    grade = grade_in(GASES, 0, "the pressure goes down")
    assert grade.contradiction


MEASURES: tuple[Card, ...] = (
    ("What is the unit of density?", ("kilograms per cubic metre (kg/m³)",)),
    ("What is the unit of gravitational field strength?", ("newtons per kilogram (N/kg)",)),
    ("How many grams are in a kilogram?", ("1,000",)),
    ("What share of a sample is left after one half-life?", ("0.5",)),
    ("What is the speed of a wave in a rope in metres per second?", ("2.50 m/s",)),
)


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        (0, "kg/m3"),  # a unit in any of its written forms
        (0, "kg/m^3"),
        (0, "kg m^-3"),
        (0, "kg/m/m/m"),
        (0, "kg/m cubed"),
        (1, "n/kg"),
        (2, "1000"),  # a number in any of its written forms
        (2, "1e3"),
        (2, "1 x 10^3"),
        (2, "a thousand"),
        (3, "½"),
        (3, "0.50"),
        (4, "2.5 m/s"),
    ],
)
def test_a_unit_or_a_number_written_another_way_is_the_same(index: int, typed: str) -> None:
    grade = grade_in(MEASURES, index, typed)
    assert grade.verdict == "correct"
    assert not grade.contradiction


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        (0, "kg/m2"),  # another unit
        (1, "n kg"),
        (2, "a hundred"),  # another number
        (3, "0.25"),
    ],
)
def test_another_unit_or_number_is_not_the_answer(index: int, typed: str) -> None:
    grade = grade_in(MEASURES, index, typed)
    assert grade.verdict == "incorrect"


def test_another_unit_for_one_of_several_quantities_contradicts_it() -> None:
    question = "What are the units of pressure and of density?"
    points = ["Pressure – pascals (Pa)", "Density – kg/m³"]
    grade = grade_typed_answer(question, points, "pressure Pa, density kg/m2")
    assert grade.covered == (0,)
    assert grade.contradiction


LABELLED: tuple[Card, ...] = (
    (
        "How many legs do spiders and insects have?",
        (
            "Spiders – 8, on a body made of a cephalothorax and an abdomen",
            "Insects – 6, joined to a thorax between the head and the abdomen",
        ),
    ),
    (
        "Which gas do plants and animals give out in the daytime?",
        ("Plants – oxygen, made in photosynthesis", "Animals – carbon dioxide, from respiration"),
    ),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        # the label is what the question asks about: the value after it is the key fact
        (0, "insects six", (1,)),
        (0, "spiders eight", (0,)),
        (0, "spiders 8, insects 6", (0, 1)),
        (0, "spiders eight insects six", (0, 1)),
        (1, "animals give out carbon dioxide", (1,)),
        # one label's value said of another label covers neither
        (1, "plants give out carbon dioxide", ()),
    ],
)
def test_a_label_and_its_value_cover_the_point(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in(LABELLED, index, typed).covered == covered


BALLOON: Card = (
    "Why does a hot-air balloon rise?",
    (
        "The air inside is less dense than the air outside",
        "So the upthrust on it is bigger than its weight",
    ),
)


@pytest.mark.parametrize(
    ("typed", "covered", "contradiction"),
    [
        ("the weight is bigger than the upthrust", (), True),  # the comparison turned round
        ("the air outside is less dense than the air inside", (), True),
        ("the weight is bigger than the upthrust, the air inside is less dense than outside",
         (0,), True),
        ("the upthrust is greater than the weight", (1,), False),  # the same, in other words
        ("its weight is smaller than the upthrust", (1,), False),
        ("hot air is less dense than cold air so upthrust is more than weight", (0, 1), False),
    ],
)
def test_a_comparison_turned_round_contradicts_its_point(
    typed: str, covered: tuple[int, ...], contradiction: bool
) -> None:
    grade = grade_in((BALLOON,), 0, typed)
    assert grade.covered == covered
    assert grade.contradiction is contradiction


PHRASES: tuple[Card, ...] = (
    ("How do you say “the cat” in French?", ("le chat",)),
    ("How do you say “see you tomorrow” in French?", ("à demain",)),
    ("How do you say “there” in French?", ("là",)),
)


@pytest.mark.parametrize(
    ("side", "lang"),
    [
        ("le café", "fr"),  # English knows both words, but "le" is a French article
        ("la fenêtre", "fr"),
        ("the cat", "en"),
    ],
)
def test_a_tie_of_known_words_goes_to_the_language_of_the_articles(
    side: str, lang: str
) -> None:
    assert detect_language(side) == lang


@pytest.mark.parametrize(
    ("index", "typed", "verdict"),
    [
        (0, "chat", "correct"),  # the article is optional
        (1, "a demain", "correct"),  # in a phrase, the other words tell which word it is
        (1, "demain", "incorrect"),  # "à" is no article: "demain" alone is another phrase
        (2, "la", "incorrect"),  # the one word without its accent is another word
    ],
)
def test_a_missing_accent_is_judged_by_the_phrase_it_is_in(
    index: int, typed: str, verdict: str
) -> None:
    assert grade_in(PHRASES, index, typed).verdict == verdict


COURT: tuple[Card, ...] = (
    (
        "Who poisons the duke and how?",
        ("Roderic poisons the duke's wine at the feast",
         "Lady Roderic distracts the guards with a song"),
    ),
    (
        "Who wrote the forged letter?",
        ("Lady Roderic, writing to her brother", "She hopes the duke will blame the steward"),
    ),
    ("Who is crowned at the end?", ("Edmund, the duke's nephew",
                                    "He banishes Roderic and Lady Roderic")),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        (0, "roderic", (0,)),  # the person a point opens with answers "who"
        (0, "lady roderic", (1,)),  # another person, whose name ends in the same word
        (1, "lady r", (0,)),  # the last word by its initial
        (2, "Edmnd", (0,)),  # a small typo in a name
    ],
)
def test_the_person_asked_for_covers_the_point_that_opens_with_them(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    grade = grade_in(COURT, index, typed)
    assert grade.covered == covered
    assert not grade.contradiction


@pytest.mark.parametrize(
    "typed",
    [
        "roderic, to her brother",  # the last name alone is the other person of the deck
        "roderic writes it to lady roderic",  # the two turned round
    ],
)
def test_another_person_of_the_deck_for_who_contradicts(typed: str) -> None:
    grade = grade_in(COURT, 1, typed)
    assert grade.contradiction
    assert grade.verdict == "incorrect"


OBSERVATORY: tuple[Card, ...] = (
    ("Who found the comet, and when?",
     ("Tomas Harrow, a lens grinder of the Royal Guild of Opticians", "In the spring of 1791",
      "From the old mill")),
    ("Who built the great telescope?", ("Ada Byron, with her two sons", "It took nine years")),
    ("Who paid for the dome?", ("Lord Byron, her cousin", "He sold his ships to pay for it")),
    ("Who named the comet?", ("Queen Mira II", "She named it after her mother")),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        (0, "harrow, in 1791", (0, 1)),  # the surname alone names the person
        (0, "Harow from the old mill", (0, 2)),  # with a small typo
        (0, "tomas, in 1791", (1,)),  # the first name alone does not
        (1, "ada byron", (0,)),
        (1, "byron", ()),  # the deck gives this surname to two people
        (2, "byron, he sold his ships", (1,)),
        (3, "queen mira ii, after her mother", (0, 1)),
    ],
)
def test_the_person_asked_for_is_named_by_a_surname_no_one_else_of_the_deck_has(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    grade = grade_in(OBSERVATORY, index, typed)
    assert grade.covered == covered
    assert not grade.contradiction


@pytest.mark.parametrize(
    ("deck", "index", "typed", "covered"),
    [
        (COURT, 0, "the duke's wine is poisoned at the feast", ()),  # how, without who
        (COURT, 0, "someone poisons his wine at the feast", ()),
        (COURT, 0, "harrow poisons his wine at the feast", ()),  # another person
        (COURT, 0, "roderic poisons the duke's wine at the feast", (0,)),
        (OBSERVATORY, 3, "she named it after her mother", (1,)),  # a point of the "how"
    ],
)
def test_what_was_done_without_who_did_it_does_not_answer_who(
    deck: tuple[Card, ...], index: int, typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in(deck, index, typed).covered == covered


HARBOUR: tuple[Card, ...] = (
    (
        "What was the canal contest?",
        ("A contest between two towns to dig the longest canals",
         "The first town opened a new lock in 1790, which drew the barges to it",
         "The second town dug its own locks, which cost it all its savings"),
    ),
    (
        "What happens to a falling parachutist?",
        ("At first they speed up because the pull of gravity is bigger than the drag",
         "When the drag balances gravity they fall at a steady speed"),
    ),
)


@pytest.mark.parametrize("typed", ["canals", "locks", "towns canals"])
def test_one_word_that_names_what_a_point_is_about_does_not_cover_it(typed: str) -> None:
    grade = grade_in(HARBOUR, 0, typed)
    assert grade.covered == ()


def test_a_side_word_late_in_a_point_may_be_meant_in_another_sense() -> None:
    typed = (
        "at first their velocity goes up quickly as they leave the plane; "
        "later the drag balances gravity and they reach a steady speed"
    )
    grade = grade_in(HARBOUR, 1, typed)
    assert 1 in grade.covered
    assert not grade.contradiction


NEGATIONS: tuple[Card, ...] = (
    ("What happens to the lake in winter?", ("The lake does not freeze", "Its water is salty")),
    ("Why did the duke raise an army?", ("The duke feared the barons would seize the throne",)),
    (
        "Where did the hermit live?",
        ("The hermit lived alone in the forest - the villagers brought him bread",),
    ),
    ("Why did the ship sail north?", ("To avoid the storms on the southern route",)),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        (0, "the lake doesnt freeze", (0,)),  # a contraction typed without its apostrophe
        (0, "the lake doesnt freeze because its water is salty", (0, 1)),
        # what is denied is the wanting, not the seizing
        (1, "the duke didnt want them to seize the throne", (0,)),
        # a negation typed in passing reaches no word of the point's elaboration
        (2, "he lived alone in the forest, nobody came except villagers bringing bread", (0,)),
        # "avoid" denies what follows it, as "not" does
        (3, "so it would not run into storms on the southern route", (0,)),
    ],
)
def test_a_negation_is_read_as_far_as_it_reaches(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    grade = grade_in(NEGATIONS, index, typed)
    assert grade.covered == covered
    assert not grade.contradiction


def test_a_negated_point_stated_positively_still_contradicts() -> None:
    grade = grade_in(NEGATIONS, 0, "the lake freezes")
    assert grade.contradiction
    assert grade.covered == ()


ECHO: tuple[Card, ...] = (
    (
        "What happens to the boiling point of water when the pressure rises?",
        ("The boiling point rises", "Because the molecules need more energy to escape"),
    ),
    ("What happens to a gas when it is heated?", ("Its volume increases", "It expands")),
    ("What happens to a metal wire when it is heated?", ("Its resistance goes up",)),
    ("What happens to ice at 0 °C?", ("It melts as its temperature rises",)),
)


@pytest.mark.parametrize(
    ("typed", "covered"),
    [
        ("it goes up", (0,)),  # the direction is what the question asks for
        ("the boiling point increases", (0,)),
        ("the boiling point changes", ()),  # the question's words, and no direction
    ],
)
def test_a_point_made_of_the_questions_words_is_shown_by_its_direction(
    typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in(ECHO, 0, typed).covered == covered


UNITS: Card = (
    "What is the difference between energy and power?",
    (
        "Energy is the capacity to do work, measured in joules (J)",
        "Power is the rate of transfer of energy, measured in watts (W)",
        "power = energy ÷ time (P = E/t)",
    ),
)


def test_units_swapped_between_quantities_contradict_next_to_a_formula() -> None:
    grade = grade_in((UNITS,), 0, "power is measured in joules and energy in watts")
    assert grade.contradiction
    assert grade.verdict == "incorrect"


def test_units_given_to_their_own_quantities_do_not_contradict() -> None:
    grade = grade_in((UNITS,), 0, "energy is measured in joules and power in watts")
    assert not grade.contradiction


STAGES: Card = (
    "What happens to a rocket's speed after launch?",
    (
        "At first its thrust is bigger than its weight so it speeds up",
        "As it climbs its weight falls because it burns fuel",
        "When the thrust stops, its weight slows it down until it falls back",
    ),
)


def test_words_that_other_points_share_do_not_show_a_point_another_point_tells() -> None:
    typed = "at first it speeds up because the thrust is more than the weight"
    grade = grade_in((STAGES,), 0, typed)
    assert grade.covered == (0,)


TRADE: tuple[Card, ...] = (
    (
        "What was the wine war?",
        ("A tariff war between Spain and Portugal over wine", "It ended with a treaty in 1703"),
    ),
    ("Who joined the war later?", ("The king of France, in 1705",)),
)


@pytest.mark.parametrize(
    ("typed", "contradiction"),
    [
        ("a tariff war between spain and france over wine", True),  # France for Portugal
        ("a tariff war between spain and portugal over wine", False),
    ],
)
def test_another_name_of_the_deck_joined_in_place_of_the_points_contradicts(
    typed: str, contradiction: bool
) -> None:
    grade = grade_in(TRADE, 0, typed)
    assert grade.contradiction is contradiction
    assert (0 in grade.covered) is not contradiction


def test_actions_swapped_between_the_people_of_two_points_contradict() -> None:
    typed = "roderic distracts the guards and lady roderic poisons the dukes wine"
    grade = grade_in(COURT, 0, typed)
    assert grade.contradiction
    assert grade.verdict == "incorrect"


def test_actions_given_to_their_own_people_do_not_contradict() -> None:
    typed = "roderic poisons the dukes wine and lady roderic distracts the guards"
    grade = grade_in(COURT, 0, typed)
    assert not grade.contradiction
    assert grade.covered == (0, 1)


ROCKS: Card = (
    "What kind of rock are chalk cliffs, roof slate and kerb granite?",
    ("Chalk cliffs – sedimentary", "Roof slate – metamorphic", "Kerb granite – igneous"),
)


@pytest.mark.parametrize(
    ("typed", "covered"),
    [
        ("sedimentary metamorphic igneous", (0, 1, 2)),  # the values, in the question's order
        ("sedimentary igneous", (0, 2)),
    ],
)
def test_the_values_of_labels_the_question_names_cover_them_as_a_bare_list(
    typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in((ROCKS,), 0, typed).covered == covered


CHEMISTRY: tuple[Card, ...] = (
    (
        "What ions do calcium and sulfur form?",
        ("Calcium atoms lose two electrons to form 2+ ions",
         "Sulfur atoms gain two electrons to form 2- ions"),
    ),
    ("What is the formula of calcium oxide?", ("CaO",)),
    ("What is the formula of water?", ("H2O",)),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        (0, "calcium forms 2+ ions", (0,)),  # the charge of an ion is the point's fact
        (0, "sulfur makes 2- ions and calcium makes 2+ ions", (0, 1)),
        (1, "cao", (0,)),
        (2, "h2o", (0,)),
    ],
)
def test_charges_and_formulas_are_read_as_facts(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    grade = grade_in(CHEMISTRY, index, typed)
    assert grade.covered == covered
    assert not grade.contradiction


@pytest.mark.parametrize(("index", "typed"), [(1, "CaO2"), (2, "H2O2"), (1, "ca2o")])
def test_a_formula_with_other_numbers_is_another_substance(index: int, typed: str) -> None:
    grade = grade_in(CHEMISTRY, index, typed)
    assert grade.contradiction
    assert grade.verdict == "incorrect"


@pytest.mark.parametrize(
    ("points", "typed"),
    [
        (["Tiredness"], "tired"),
        (["Errors come from tiredness and boredom"], "errors come from being tired and bored"),
        (["The lake was calm"], "calmness"),
    ],
)
def test_a_word_and_its_derived_noun_or_adverb_meet(points: list[str], typed: str) -> None:
    grade = grade_typed_answer("What causes it?", points, typed)
    assert grade.verdict == "correct"


DAM: Card = (
    "Why does the old dam hold?",
    (
        "The walls between its towers are thick",
        "Only a little water gets through the gaps",
        "The beams inside its walls are not broken when floods come",
    ),
)


def test_the_past_forms_of_an_irregular_verb_are_the_verb() -> None:
    # "break" against "not broken": the one verb, said the other way
    grade = grade_in((DAM,), 0, "the beams inside the walls break when floods come")
    assert grade.contradiction
    assert 2 not in grade.covered
    grade = grade_in((DAM,), 0, "thick walls between towers, and the beams inside them "
                                "are not broken")
    assert not grade.contradiction
    assert {0, 2} <= set(grade.covered)


RAID: tuple[Card, ...] = (
    (
        "What was the raid plan?",
        ("Seize Korva quickly (in a single night) by sailing through Lisk",
         "Then hold the bridge until the main army came"),
    ),
    ("Who ruled Korva?", ("The old queen of Korva",)),
    ("Where is Lisk?", ("A strait north of Dara",)),
)


@pytest.mark.parametrize(
    ("typed", "covered"),
    [
        ("take korva through lisk", (0,)),  # the route the names stand in is told
        ("korva and lisk", ()),  # the names alone tell nothing
    ],
)
def test_names_in_the_same_relation_of_place_cover_a_point(
    typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in(RAID, 0, typed).covered == covered


@pytest.mark.parametrize(
    ("points", "typed"),
    [
        (["A payment from the goverment to farmers", "It lowers their costs"],
         "cash from govt"),  # the card's misspelling meets the table's abbreviation
        (["A payment from the government to farmers", "It lowers their costs"],
         "cash from the goverment"),
    ],
)
def test_a_misspelt_word_meets_its_synonyms(points: list[str], typed: str) -> None:
    assert grade_typed_answer("What is a subsidy?", points, typed).covered == (0,)


@pytest.mark.parametrize(
    ("points", "typed", "verdict"),
    [
        (["the toothbrush"], "a brush for your teeth", "incorrect"),  # "teeth" is no "tooth"
        (["the toothbrush"], "a brush for a tooth", "correct"),  # a compound given apart
        (["the teapot"], "a pot to make tea in", "correct"),
        (["the teapot"], "a pot", "incorrect"),
    ],
)
def test_a_compound_word_is_given_by_its_two_words(
    points: list[str], typed: str, verdict: str
) -> None:
    assert grade_typed_answer("What does it mean?", points, typed).verdict == verdict


FLOWS: tuple[Card, ...] = (
    ("Which way does heat flow?", ("Heat flows from the hot body to the cold body",)),
    (
        "How does water reach the leaves?",
        ("The root cells pass water to the stem cells", "It then rises in the xylem"),
    ),
)


@pytest.mark.parametrize(
    ("index", "typed", "contradiction"),
    [
        (0, "heat goes from the cold body to the hot body", True),  # the flow turned round
        (0, "heat moves from the hot body to the cold one", False),
        (1, "the stem cells give water to the root cells", True),
        (1, "root cells give their water to the stem cells", False),
    ],
)
def test_a_flow_turned_round_contradicts(index: int, typed: str, contradiction: bool) -> None:
    grade = grade_in(FLOWS, index, typed)
    assert grade.contradiction is contradiction
    assert (0 in grade.covered) is not contradiction


def test_a_comparative_given_to_the_lesser_side_does_not_show_the_comparison() -> None:
    card: Card = (
        "What happens to a falling leaf?",
        ("At first its weight is bigger than the drag so it speeds up",
         "As its speed rises the drag rises too"),
    )
    assert 0 not in grade_in((card,), 0, "the drag gets bigger as it speeds up").covered
    assert 0 in grade_in((card,), 0, "at first its weight is bigger so it speeds up").covered


LAWS: tuple[Card, ...] = (
    ("What is Boyle's law?", ("The pressure of a gas is inversely proportional to its volume",
                              "At a fixed temperature")),
    ("What is Ohm's law?", ("The current through a resistor is proportional to the voltage",
                            "At a fixed temperature")),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered", "contradiction"),
    [
        (0, "the smaller the volume of a gas the bigger its pressure", (0,), False),
        (1, "the higher the voltage, the bigger the current through the resistor", (0,), False),
        (1, "the higher the voltage the smaller the current through a resistor", (), True),
        (0, "the bigger the volume of the gas the bigger the pressure", (), True),
    ],
)
def test_the_more_the_more_says_a_proportion(
    index: int, typed: str, covered: tuple[int, ...], contradiction: bool
) -> None:
    grade = grade_in(LAWS, index, typed)
    assert grade.covered == covered
    assert grade.contradiction is contradiction


SUMMIT: tuple[Card, ...] = (
    (
        "What happened at the summit?",
        ("Two rounds of talks, in 1922 (Lorn) and 1924 (Vesk)",
         "Each time Arland backed Tovia, so the pact grew stronger and Corvia was left alone"),
    ),
    ("Who led Corvia?", ("Its old prince, a rival of Arland and of Tovia",)),
    ("Why did Corvia arm?", ("It feared Arland and Tovia", "Its army was small")),
    ("What did Tovia want?", ("Land taken by Corvia", "Help from Arland")),
    ("Where is Arland?", ("North of Tovia and Corvia",)),
)


@pytest.mark.parametrize(
    ("typed", "covered"),
    [
        ("talks in 1922 and 1924, arland supported tovia so corvia looked foolish", (0, 1)),
        ("talks in 1922 and 1924. arland. tovia. corvia.", (0,)),  # in no one sentence
    ],
)
def test_three_names_of_a_point_in_one_sentence_show_it(
    typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in(SUMMIT, 0, typed).covered == covered


ASKED_WITH_A_DIRECTION: tuple[Card, ...] = (
    (
        "A straw of water is put in a freezer. Did the water level go up or down, and why?",
        ("The level went up because water expands when it freezes",),
    ),
    (
        "What happens to the level of the water in a straw when it freezes?",
        ("The level goes up", "because water expands when it freezes"),
    ),
)


@pytest.mark.parametrize(
    ("index", "typed", "covered"),
    [
        # the question says the direction: the answer must tell the rest
        (0, "it went up when it froze", ()),
        (0, "up, because water expands when it freezes", (0,)),
        # the question asks what happens: the direction is the answer
        (1, "the level goes up", (0,)),
    ],
)
def test_a_direction_the_question_says_is_the_questions_unless_it_asks_what_happens(
    index: int, typed: str, covered: tuple[int, ...]
) -> None:
    assert grade_in(ASKED_WITH_A_DIRECTION, index, typed).covered == covered
