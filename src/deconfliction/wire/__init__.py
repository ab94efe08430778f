"""Wire formats, only at the edge: F3548-21 bodies (`f3548`) and the party API's (`v1`)."""
