"""The pure domain: a person's record and the coaching rules that read it.

coach       what each event does: fold it into the record, run its rules
goals       target a specific next role (the goal rubric)
skills      build the skills of the next job (the role catalogue)
timing      move after a major success, not when unhappy
feelings    check-ins form a trend; an overwhelmed person gets a plan
negotiation negotiate from the market rate of the new role
state       the bounded record every event folds into
"""
