"""The photographer's taste: a personal ranking learnt from their own decisions.

``dataset`` turns a person's marks within series into preference levels (pick over the
rest, higher rating over lower, reject under the rest; ties stay ties); ``features`` reads
per-frame features the app already computed (base score, tones of the stored thumbnail,
faces, eyes and where they look); ``learner`` fits a pairwise (Bradley-Terry) ranker with a
prior that keeps it at the base ranking until the decisions say otherwise; ``evaluate``
measures it on held-out shoots and decides whether it is used; ``profiles`` keeps named
tastes in the catalog; ``rerank`` orders a run's series by a profile that is in use.
A person's marks are never changed by any of it: it only orders and suggests.
"""
