-- Databases of the services that own a Postgres store (used by docker-compose's postgres image).
CREATE DATABASE gateway;
CREATE DATABASE identity;
CREATE DATABASE events;
