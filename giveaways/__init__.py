"""The two giveaway schemes: free SIMs from the National Databank (`sims`) and donated
devices refurbished for sale, gift, loan or recycling (`refurb`), with the council's
versioned eligibility rules (`eligibility`) and carbon factors (`carbon`). Rules only,
no Flask."""
