-- One database per service (architecture.md); migrations create the tables.
CREATE DATABASE identity;
CREATE DATABASE billing;
CREATE DATABASE onboarding;
CREATE DATABASE notifications;
