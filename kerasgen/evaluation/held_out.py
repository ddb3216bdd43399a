"""Text-to-image on sentence shapes no caption scheme produces (issue 36).

`SENTENCES`: twelve captions fixed before any model was trained on the second caption scheme,
each with the attributes it states (1 present, 0 said to be absent). The scheme
`celeba_attributes_v2` holds every word they use and none of their shapes (see
`kerasgen.data.attribute_phrasings`), so they measure whether a model follows how people
phrase a face rather than the templates it was trained on.
"""

SENTENCES = (
    ("she is smiling and has black hair", {"Male": 0, "Smiling": 1, "Black_Hair": 1}),
    ("he has a beard and is not smiling", {"Male": 1, "No_Beard": 0, "Smiling": 0}),
    ("a woman without glasses, wearing lipstick",
     {"Male": 0, "Eyeglasses": 0, "Wearing_Lipstick": 1}),
    ("glasses on a middle-aged man", {"Eyeglasses": 1, "Male": 1, "Young": 0}),
    ("young, blond, smiling woman", {"Young": 1, "Blond_Hair": 1, "Smiling": 1, "Male": 0}),
    ("a man with grey hair", {"Male": 1, "Gray_Hair": 1}),
    ("a smiling man in a hat", {"Smiling": 1, "Male": 1, "Wearing_Hat": 1}),
    ("woman, heavy makeup, wavy hair", {"Male": 0, "Heavy_Makeup": 1, "Wavy_Hair": 1}),
    ("bald man with a mustache", {"Bald": 1, "Male": 1, "Mustache": 1}),
    ("a girl with bangs who is smiling", {"Male": 0, "Bangs": 1, "Smiling": 1}),
    ("the man is young and wears eyeglasses", {"Male": 1, "Young": 1, "Eyeglasses": 1}),
    ("a serious woman with straight brown hair",
     {"Smiling": 0, "Male": 0, "Straight_Hair": 1, "Brown_Hair": 1}),
)
