-- Each service owns its database (docs/architecture.md).
CREATE DATABASE resq OWNER safewatch;
CREATE DATABASE atlas OWNER safewatch;
CREATE DATABASE halo OWNER safewatch;
