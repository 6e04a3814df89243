"""Browsing the signed-in user's TONE3000 catalogue for the pickers: their favourites,
downloads and uploads, search where the API tier allows it, and every variant of a tone."""
