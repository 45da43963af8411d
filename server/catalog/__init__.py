"""The product catalog and the edge's pricing of orders."""
