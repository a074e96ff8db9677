"""Inside the real network (issue #12): the chapter's Hessian, batch size and 2/η measured on real networks."""
