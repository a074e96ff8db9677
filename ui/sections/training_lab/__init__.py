"""HW3 training lab: the CNN workflow on scikit-learn's digits, trained live (issue #11)."""
