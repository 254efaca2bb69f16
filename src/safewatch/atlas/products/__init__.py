"""The products that call Atlas (halo, frontline, sait, resq) and their API keys."""
