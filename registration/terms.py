"""The texts an institution accepts and is warned by.

The terms of service: their first published text. Later versions are published by staff in the
admin; a registration records the version it accepted.

The copyright warning: the "Warning Concerning Copyright Restrictions" that 37 CFR 201.14
prescribes where copying orders are accepted (17 U.S.C. 108(d)(2)), shown with the terms and on
every copy form. It is the regulation's, so it has no versions.
"""

FIRST_TERMS = "\n\n".join(
    [
        "Service is for libraries only. Loans and copies are supplied to the registered "
        "institution, never to individuals, and loaned items stay in the borrowing library's "
        "custody.",
        "The institution is responsible for its requests: it keeps its account's password within "
        "its interlibrary loan staff, returns loaned items by the due date in the condition "
        "received, and follows the office's restrictions on use (for example, library use only).",
        "Every copy request must comply with the copyright law, including section 108 of Title 17 "
        "and the CONTU guidelines; the institution keeps its own records of copy requests as the "
        "guidelines require. The office may refuse or hold any request for copyright clearance.",
        "The office verifies each registration before issuing credentials and may suspend an "
        "account that breaks these terms.",
    ]
)

# 37 CFR 201.14(b), the Warning of Copyright, verbatim (docs/copyright.md section 12). It is
# the regulation's text, never edited: the one definition every page, form and the registration
# terms show. 201.14(c)(2) requires it in a box on the order form itself, in type no smaller than
# the form's: `templates/includes/copyright_warning.html` renders these paragraphs in such a box.
COPYRIGHT_WARNING_HEADINGS = ("NOTICE", "WARNING CONCERNING COPYRIGHT RESTRICTIONS")
COPYRIGHT_WARNING_PARAGRAPHS = (
    "The copyright law of the United States (Title 17, United States Code) governs the making of "
    "photocopies or other reproductions of copyrighted material.",
    "Under certain conditions specified in the law, libraries and archives are authorized to "
    "furnish a photocopy or other reproduction. One of these specified conditions is that the "
    'photocopy or reproduction is not to be "used for any purpose other than private study, '
    'scholarship, or research." If a user makes a request for, or later uses, a photocopy or '
    'reproduction for purposes in excess of "fair use," that user may be liable for copyright '
    "infringement.",
    "This institution reserves the right to refuse to accept a copying order if, in its "
    "judgment, fulfillment of the order would involve violation of copyright law.",
)
COPYRIGHT_WARNING_TEXT = "\n\n".join(
    ["\n".join(COPYRIGHT_WARNING_HEADINGS), *COPYRIGHT_WARNING_PARAGRAPHS]
)
