CREATE TABLE fares (flight_id INTEGER REFERENCES flights(id), class TEXT, cents INTEGER);
