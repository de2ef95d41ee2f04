"""Write services of the outcomes app (each write audits in the same transaction)."""
