-- Template of what `python -m orderhub_devstack bootstrap` does (run as a superuser; replace passwords).
CREATE DATABASE orderhub;
REVOKE ALL ON DATABASE orderhub FROM PUBLIC;
\connect orderhub
REVOKE ALL ON SCHEMA public FROM PUBLIC;
-- repeat for rules, fulfillment, aftersales, notify:
CREATE ROLE orderhub_ingest LOGIN PASSWORD 'CHANGE-ME';
GRANT CONNECT ON DATABASE orderhub TO orderhub_ingest;
ALTER ROLE orderhub_ingest IN DATABASE orderhub SET search_path = ingest;
CREATE SCHEMA ingest AUTHORIZATION orderhub_ingest;
