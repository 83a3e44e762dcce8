"""The first published text of the registration terms and the copyright statement.

The copyright statement is the "Warning Concerning Copyright Restrictions" that 37 CFR 201.14
prescribes for places where copying orders are accepted (17 U.S.C. 108(d)(2)). Later versions are
published by staff in the admin; a registration records the version it accepted.
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

FIRST_COPYRIGHT_STATEMENT = "\n\n".join(
    [
        "WARNING CONCERNING COPYRIGHT RESTRICTIONS",
        "The copyright law of the United States (title 17, United States Code) governs the making "
        "of photocopies or other reproductions of copyrighted material.",
        "Under certain conditions specified in the law, libraries and archives are authorized to "
        "furnish a photocopy or other reproduction. One of these specified conditions is that the "
        'photocopy or reproduction is not to be "used for any purpose other than private study, '
        'scholarship, or research." If a user makes a request for, or later uses, a photocopy or '
        'reproduction for purposes in excess of "fair use," that user may be liable for copyright '
        "infringement.",
        "This institution reserves the right to refuse to accept a copying order if, in its "
        "judgment, fulfillment of the order would involve violation of copyright law.",
    ]
)
