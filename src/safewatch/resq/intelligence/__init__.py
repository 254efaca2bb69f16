"""What ResQ tells Atlas: its campus incidents, so cross-product patterns include them."""
