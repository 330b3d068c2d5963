#!/usr/bin/env node
import { App } from 'aws-cdk-lib';

import { addStages } from '../lib/app';

addStages(new App());
