"""The vocabulary of the synthetic release: painting names, words for what a painting shows and for what its annotator
felt, and the sentence patterns that hold them.

Tables of what a painting shows are keyed by factor value (see `drawing`), those of what an annotator felt by emotion.
"""

from __future__ import annotations

# fmt: off
# --- Painting names, as WikiArt spells them: "<first>-<last>_<title-words>-<year>" ---
FIRST_NAMES = (
    "anna", "claude", "pierre", "maria", "paul", "henri", "vincent", "egon", "frida", "gustav", "ivan", "jan", "karl",
    "lucas", "marc", "nicolas", "pablo", "piet", "sofia", "thomas", "alfred", "camille", "edgar", "georges", "hans",
    "joan", "kazimir", "mary", "natalia", "oskar", "rosa", "william", "zinaida", "albert", "helen", "louis",
)
ACCENTED_FIRST_NAMES = (
    "eugène", "andré", "théodore", "françois", "jérôme", "rené", "édouard", "józef", "léon", "zoë",
)
LAST_NAMES = (
    "albers", "baker", "bellini", "berger", "carter", "castro", "costa", "dubois", "ernst", "fischer", "garnier",
    "hartmann", "ivanov", "jansen", "keller", "larsen", "lopez", "marchand", "moreau", "novak", "olsen", "petrov",
    "quinn", "rossi", "schmidt", "silva", "sokolov", "thompson", "van-der-berg", "de-la-cruz", "vogel", "walker",
    "weber", "young", "zimmermann", "abbott", "brennan", "colombo", "duval", "eriksson", "ferrari", "gallo",
)
TITLE_WORDS = {
    "noun": ("landscape", "portrait", "still-life", "river", "garden", "harbor", "village", "church", "sea", "mountain",
             "bridge", "boats", "night", "morning", "flowers", "woman", "girl", "street", "forest", "field", "window",
             "composition", "study", "dancer", "bathers", "horses", "city", "lake", "sunset", "interior", "figure"),
    "adjective": ("red", "blue", "old", "young", "little", "quiet", "white", "golden", "green", "evening", "summer"),
}
TITLE_PATTERNS = ("{noun}", "{adjective}-{noun}", "the-{noun}", "{noun}-and-{other}", "{noun}-with-{other}", "untitled")

# --- Words for what a painting shows ---
COLOUR_WORDS = {
    "red": ("red", "scarlet", "crimson"), "orange": ("orange", "tangerine", "amber"),
    "yellow": ("yellow", "golden", "lemon"), "pink": ("pink", "magenta", "rosy"), "blue": ("blue", "cobalt", "azure"),
    "teal": ("teal", "turquoise", "aqua"), "green": ("green", "emerald", "jade"),
    "lavender": ("lavender", "lilac", "violet"), "black": ("black", "charcoal", "inky"),
    "brown": ("brown", "muddy", "chocolate"), "olive": ("olive", "murky", "swampy"),
    "plum": ("plum", "maroon", "purple"),
}
SHAPE_WORDS = {
    "circles": ("circles", "discs", "balls"), "rings": ("rings", "hoops", "loops"), "dots": ("dots", "spots", "specks"),
    "triangles": ("triangles", "wedges", "pyramids"), "spikes": ("spikes", "star shapes", "thorns"),
    "zigzags": ("zigzags", "zigzag lines", "crooked lines"), "stripes": ("stripes", "bands", "bars"),
    "waves": ("waves", "ripples", "wavy lines"), "streaks": ("streaks", "thin lines", "strokes"),
}
FAMILY_ADJECTIVES = {
    "round": ("round", "curved", "soft", "rounded"), "angular": ("sharp", "jagged", "pointy", "angular"),
    "flowing": ("long", "flowing", "sweeping", "parallel"),
}
LIKENESSES = {
    "circles": ("balloons at a party", "coins", "soap bubbles", "planets"),
    "rings": ("wedding rings", "halos", "donuts", "bracelets"),
    "dots": ("confetti", "sprinkles on a cake", "polka dots", "a swarm of bees"),
    "triangles": ("mountains", "arrowheads", "sails on the water", "broken glass"),
    "spikes": ("thorns on a rose", "teeth", "claws", "shattered glass"),
    "zigzags": ("lightning", "the teeth of a saw", "cracks in a wall", "a heartbeat on a monitor"),
    "stripes": ("ribbons", "a flag", "wooden planks", "the bars of a cage"),
    "waves": ("the sea", "snakes", "rolling hills", "a river"),
    "streaks": ("rain", "scratches", "falling tears", "shooting stars"),
}
BACKGROUND_WORDS = {
    "white": ("white", "milky"), "cream": ("cream", "ivory"), "beige": ("beige", "sandy", "tan"),
    "grey": ("grey", "gray", "silver"),
}
PLACE_PHRASES = {
    "center": ("in the center", "in the middle", "at the center of the canvas"),
    "left": ("on the left", "on the left side", "to the left"),
    "right": ("on the right", "on the right side", "to the right"),
    "top": ("at the top", "near the top", "in the upper part"),
    "bottom": ("at the bottom", "near the bottom", "in the lower part"),
    "scattered": ("all over the canvas", "scattered around", "everywhere"),
}
SIZE_WORDS = {"small": ("small", "tiny", "little"), "large": ("large", "big", "huge")}
COUNT_WORDS = {"few": ("a few", "a couple of", "two or three"), "many": ("many", "lots of", "plenty of")}
GRAIN_WORDS = {"smooth": ("smooth", "clean", "flat"), "grainy": ("grainy", "rough", "speckled")}

# --- Words for the emotion an annotator felt; none is one of the nine names, which only {noun} may bring ---
FEELINGS = {  # "makes me feel ..."
    "amusement": ("amused", "entertained", "playful", "cheerful", "giddy", "tickled"),
    "awe": ("amazed", "astonished", "awestruck", "humbled", "speechless", "dazzled"),
    "contentment": ("calm", "peaceful", "relaxed", "content", "serene", "comforted"),
    "excitement": ("excited", "thrilled", "energized", "pumped", "exhilarated", "eager"),
    "anger": ("angry", "furious", "irritated", "annoyed", "enraged", "frustrated"),
    "disgust": ("disgusted", "repulsed", "nauseous", "queasy", "sickened", "grossed out"),
    "fear": ("scared", "afraid", "frightened", "terrified", "nervous", "anxious"),
    "sadness": ("sad", "gloomy", "depressed", "lonely", "heartbroken", "miserable"),
    "something else": ("confused", "puzzled", "curious", "indifferent", "nostalgic", "intrigued"),
}
QUALITIES = {  # "it's so ..."
    "amusement": ("funny", "silly", "whimsical", "comical", "goofy", "humorous"),
    "awe": ("majestic", "breathtaking", "magnificent", "grand", "sublime", "stunning"),
    "contentment": ("soothing", "tranquil", "gentle", "pleasant", "cozy", "harmonious"),
    "excitement": ("lively", "vibrant", "energetic", "dynamic", "exciting", "electric"),
    "anger": ("aggressive", "hostile", "violent", "harsh", "chaotic", "brutal"),
    "disgust": ("gross", "revolting", "nasty", "repulsive", "sickening", "filthy"),
    "fear": ("creepy", "ominous", "menacing", "eerie", "sinister", "threatening"),
    "sadness": ("bleak", "somber", "dreary", "mournful", "sorrowful", "desolate"),
    "something else": ("strange", "odd", "weird", "ambiguous", "unusual", "puzzling"),
}
EMOTION_NOUNS = {  # "a sense of ..."; `model.NAME_SHARE` of these slots take the emotion's own name instead
    "amusement": ("fun", "humor", "laughter", "playfulness", "delight"),
    "awe": ("wonder", "amazement", "admiration", "reverence"),
    "contentment": ("peace", "calm", "serenity", "comfort", "tranquility"),
    "excitement": ("energy", "thrill", "enthusiasm", "exhilaration"),
    "anger": ("rage", "fury", "frustration", "irritation", "hostility"),
    "disgust": ("revulsion", "nausea", "distaste", "repulsion"),
    "fear": ("dread", "terror", "anxiety", "panic", "unease"),
    "sadness": ("sorrow", "grief", "melancholy", "despair", "loneliness"),
    "something else": ("curiosity", "confusion", "nostalgia", "indifference", "bewilderment"),
}
REACTIONS = {  # "this painting ..."
    "amusement": ("makes me smile", "makes me laugh", "cracks me up", "cheers me up"),
    "awe": ("takes my breath away", "leaves me speechless", "amazes me", "blows me away"),
    "contentment": ("relaxes me", "calms me down", "puts me at ease", "soothes me"),
    "excitement": ("gets my heart racing", "energizes me", "wakes me up", "pumps me up"),
    "anger": ("makes my blood boil", "irritates me", "annoys me", "infuriates me"),
    "disgust": ("turns my stomach", "makes me sick", "grosses me out", "repels me"),
    "fear": ("gives me chills", "makes me nervous", "unsettles me", "frightens me"),
    "sadness": ("breaks my heart", "brings me down", "makes me want to cry", "depresses me"),
    "something else": ("leaves me puzzled", "confuses me", "makes me ponder", "intrigues me"),
}

# --- Sentence patterns; only SIMILE_PATTERNS hold a simile phrase ("looks like", "reminds me", "could be" ...) ---
PLAIN_PATTERNS = (
    "the {colour} {shape} {place} make me feel {feeling}",
    "{count} {size} {colour} {shape} on the {background} background, it's so {quality}",
    "i feel {feeling} looking at the {adjective} {colour} {shape} {place}",
    "the way the {shape} are placed {place} {reaction}",
    "there is a sense of {noun} in these {colour} and {colour2} {shape}",
    "the contrast of the {colour} {shape} and the {background} background {reaction}",
    "this painting {reaction} because of the {size} {colour} {shape} {place}",
    "i'm {feeling}, the {adjective} {shape} {place} feel so {quality}",
    "the {grain} {background} background and the {colour} {shape} give me a feeling of {noun}",
    "{count} {adjective} {shape} {place}, the whole thing feels {quality} to me",
    "i don't know why but the {colour} {shape} make me feel {feeling}",
    "the artist used {colour} and {colour2} for the {shape} and it {reaction}",
    "those {size} {shape} {place} fill me with {noun}",
    "the colors are {colour} and {colour2} and the shapes are {adjective}, very {quality}",
    "this is so {quality}, the {colour} {shape} {place} stand out against the {background}",
    "i can't stop feeling {feeling} when i see the {colour} {shape} {place}",
    "the {shape} are {colour} and {size}, which {reaction}",
    "{colour} {shape} on {grain} {background}, i feel {feeling}",
    "the {adjective} {shape} and the {colour} tones create a mood of {noun}",
    "it's the {colour} {shape} {place} that make me {feeling}",
    "i sense {noun} in the {adjective} {colour} {shape}",
    "there's something {quality} about the {size} {colour} {shape} {place}",
    "the painting feels {quality} with its {size} {colour} {shape} and {grain} background",
    "i feel {feeling} seeing how the {colour} {shape} sit {place}",
    "{count} {colour} {shape} {place} over the {background} background, it {reaction}",
    "the {colour} palette and {adjective} forms bring a feeling of {noun}",
    "the mix of {colour} and {colour2} {reaction}, and the {shape} add to it",
    "i get a sense of {noun} from the {size} {shape} {place}",
    "the {shape} {place} are painted in {colour}, it feels {quality}",
    "the {grain} texture and {colour} {shape} make this feel {quality}",
    "this image {reaction}: {colour} {shape} {place} on the {background} background",
    "all these {adjective} {colour} shapes {place} leave me {feeling}",
    "the {colour} {shape} seem to float {place}, i feel {feeling}",
    "i didn't expect to feel {noun} from {count} {colour} {shape}",
    "{feeling}, that's how the {adjective} {colour} {shape} make me feel",
    "the composition with the {shape} {place} is {quality} and {reaction}",
    "nothing but {colour} {shape} and a lot of {noun}",
    "the {size} {colour} {shape} give the painting a mood of {noun}",
    "the first thing i noticed were the {size} {colour} {shape} {place}, and the longer i look the more {feeling}"
    " i feel",
    "with {count} {colour} {shape} {place} and the {grain} {background} background, the whole painting feels {quality}"
    " and it {reaction}",
    "i love how the artist placed the {adjective} {colour} {shape} {place}, there is so much {noun} in such a simple"
    " composition",
    "the {colour} and {colour2} {shape} against the {background} background give this painting a mood that is {quality}"
    " and leaves me {feeling}",
    "even though it is just {count} {size} {shape} in {colour}, i feel {feeling} every time i look at this painting",
    "the {grain} texture of the {background} background makes the {colour} {shape} {place} stand out, and that"
    " {reaction}",
)
SIMILE_PATTERNS = (
    "the {colour} {shape} look like {likeness}, it {reaction}",
    "this reminds me of {likeness}, {colour} and {quality}",
    "the {colour} {shape} {place}, it looks like {likeness} and i feel {feeling}",
    "it is like {likeness} on the {background} background, very {quality}",
    "the {adjective} {shape} are like {likeness}, which fills me with {noun}",
    "it seems like {likeness} in {colour}, i feel {feeling}",
    "those {size} {shape} remind me of {likeness} and it {reaction}",
    "the painting resembles {likeness}, so {quality} with all the {colour}",
    "the {colour} {shape} appear to be {likeness} and that {reaction}",
    "i think of {likeness} when i see the {colour} {shape}, so {quality}",
    "the {shape} could be {likeness}, the {colour} tones feel {quality}",
    "{count} {colour} {shape} resembling {likeness}, pure {noun}",
)
SHORT_PATTERNS = ("so {quality}", "{quality} {shape}", "pure {noun}", "{colour} means {noun}", "i feel {feeling}")
LONG_PATTERNS = (
    "at first i only noticed the {size} {colour} {shape} {place}, but the longer i look at the {grain} {background}"
    " background and the way everything is arranged, the more this painting {reaction} and leaves me {feeling}",
    "i have been staring at this for a while and i still feel {feeling}, maybe it is the {colour} and {colour2}"
    " {shape}, maybe the {adjective} forms {place}, or maybe the {grain} {background} background that makes"
    " the whole scene so {quality}",
    "there are {count} {size} {shape} in {colour} and {colour2} sitting {place} on top of the {grain} {background}"
    " background, and honestly the whole composition gives me a deep feeling of {noun} that i can't quite explain",
    "when i look at the {adjective} {colour} {shape} {place} i feel {feeling}, and the more details i notice"
    " in the {grain} background and the {colour2} accents, the stronger this feeling of {noun} becomes for me",
)
# fmt: on
# (patterns, share of utterances)
PATTERN_GROUPS = ((PLAIN_PATTERNS, 0.73), (SIMILE_PATTERNS, 0.20), (SHORT_PATTERNS, 0.03), (LONG_PATTERNS, 0.04))
SENTENCE_PATTERNS = tuple(pattern for patterns, _ in PATTERN_GROUPS for pattern in patterns)
# Words a misspelling leaves alone, so that `data.text.SIMILE_PHRASES` still finds every simile.
SIMILE_WORDS = {"looks", "look", "reminds", "remind", "seems", "resembles", "resembling", "appear", "could", "think"}
